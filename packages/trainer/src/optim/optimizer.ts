/**
 * The model's optimizer (spec §4): Adam as torch.optim.Adam (L2 weight decay added to the
 * gradient; @bmse/backend FusedAdam) or SGD with momentum (torch semantics: buf = m·buf + g,
 * p −= lr·buf; weight decay added to the gradient here).
 */
import { FusedAdam, tf } from '@bmse/backend';
import type { RunConfig } from '../config/schema.js';

export interface ModelOptimizer {
  readonly optimizer: tf.Optimizer;
  setLearningRate(lr: number): void;
  /** applies (and disposes) the gradients of the model's variables */
  apply(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

export function createOptimizer(c: RunConfig): ModelOptimizer {
  const { name, lr, momentum, weightDecay } = c.optimizer;
  if (name === 'adam') {
    const opt = new FusedAdam({ learningRate: lr, weightDecay });
    return {
      optimizer: opt,
      setLearningRate: (v) => {
        opt.learningRate = v;
      },
      apply: (grads) => {
        opt.applyGradients(grads);
        tf.dispose(Object.values(grads));
      },
      dispose: () => opt.dispose(),
    };
  }
  const opt = tf.train.momentum(lr, momentum);
  // tfjs' SGD keeps −lr as a kept scalar `c`: change it with setLearningRate (the field alone is ignored)
  const sgd = opt as unknown as { setLearningRate(v: number): void; c?: tf.Tensor };
  return {
    optimizer: opt,
    setLearningRate: (v) => sgd.setLearningRate(v),
    dispose: () => {
      opt.dispose();
      sgd.c?.dispose();
    },
    apply: (grads) => {
      if (weightDecay > 0) {
        const vars = tf.engine().registeredVariables;
        for (const [k, g] of Object.entries(grads)) {
          grads[k] = tf.tidy(() => tf.add(g, tf.mul(weightDecay, vars[k])));
          g.dispose();
        }
      }
      opt.applyGradients(grads as tf.NamedTensorMap as never);
      tf.dispose(Object.values(grads));
    },
  };
}

/** A small optimizer's full state as JSON (σ's own Adam): its weights and scalar variables. */
export async function optimizerStateToJson(
  opt: tf.Optimizer,
): Promise<{ weights: { name: string; shape: number[]; values: number[] }[]; scalars: Record<string, number> }> {
  const named = await opt.getWeights();
  // asynchronous reads: the webgpu backend cannot read GPU memory synchronously in Node
  const values = await Promise.all(named.map((w) => w.tensor.data()));
  const weights = named.map((w, i) => ({ name: w.name, shape: w.tensor.shape, values: Array.from(values[i]) }));
  for (const { tensor } of named) if (!(tensor instanceof tf.Variable)) tensor.dispose();
  const scalars: Record<string, number> = {};
  for (const [k, v] of Object.entries(opt))
    if (v instanceof tf.Variable && v.rank === 0) scalars[k] = (await v.data())[0];
  return { weights, scalars };
}

export async function optimizerStateFromJson(
  opt: tf.Optimizer,
  state: { weights: { name: string; shape: number[]; values: number[] }[]; scalars: Record<string, number> },
): Promise<void> {
  const named = state.weights.map((w) => ({
    name: w.name,
    tensor: w.name === 'iter' ? tf.scalar(w.values[0], 'int32') : tf.tensor(w.values, w.shape),
  }));
  await opt.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  const target = opt as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(state.scalars)) {
    const variable = target[k];
    if (variable instanceof tf.Variable) tf.tidy(() => variable.assign(tf.scalar(v)));
  }
}
