/**
 * Adam as PyTorch's torch.optim.Adam computes it (eps outside the square root,
 * L2 weight decay added to the gradient, default eps 1e-8), with each parameter
 * updated by one fused kernel (see adam-update.ts). A drop-in tf.Optimizer:
 * `optimizer.minimize(lossFn)` works as with tf.train.adam. The learning rate
 * is a public field so schedules can change it between steps.
 */
import { tf } from '../tf.js';
import { adamUpdate, adamUpdateInPlace } from './adam-update.js';
import { leanVariableGrads } from './lean-gradients.js';

/** tfjs-core's { name, tensor } pair (not re-exported by @tensorflow/tfjs). */
type NamedTensor = { name: string; tensor: tf.Tensor };

export interface FusedAdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

interface Slot {
  m: tf.Variable;
  v: tf.Variable;
}

export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    return 'BmseFusedAdam';
  }

  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private step = 0;
  private readonly slots = new Map<string, Slot>();
  /** slots made before the first update (see `minimize`) that it has not used yet */
  private unusedSlots: Set<string> | null = null;

  constructor(options: FusedAdamOptions) {
    super();
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    for (const [name, value] of Object.entries({ beta1: this.beta1, beta2: this.beta2 })) {
      if (!(value >= 0 && value < 1)) throw new Error(`FusedAdam: ${name} must be in [0, 1), got ${value}`);
    }
    if (!(this.learningRate >= 0)) throw new Error(`FusedAdam: learningRate must be >= 0, got ${this.learningRate}`);
  }

  /** Number of update steps taken. */
  get iterationCount(): number {
    return this.step;
  }

  private slot(name: string, variable: tf.Variable): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      // tidy frees the zero tensors the variables are created from
      slot = tf.tidy(() => ({
        m: tf.variable(tf.zerosLike(variable), false, `${name}/adam_m`),
        v: tf.variable(tf.zerosLike(variable), false, `${name}/adam_v`),
      }));
      this.slots.set(name, slot);
    }
    return slot;
  }

  /**
   * As tf.Optimizer's. Before the first update the moments of `varList`'s trainable
   * variables are allocated up front, next to the parameters, rather than among the first
   * backward pass's temporaries, where they would split the free memory of every later
   * step (wasm heap fragmentation); moments the first update does not use are dropped again.
   */
  override minimize(f: () => tf.Scalar, returnCost = false, varList?: tf.Variable[]): tf.Scalar | null {
    if (this.slots.size === 0 && varList != null) {
      this.unusedSlots = new Set();
      for (const variable of varList) {
        if (!variable.trainable || this.slots.has(variable.name)) continue;
        this.slot(variable.name, variable);
        this.unusedSlots.add(variable.name);
      }
    }
    try {
      return super.minimize(f, returnCost, varList);
    } finally {
      this.dropUnusedSlots();
    }
  }

  private dropUnusedSlots(): void {
    if (this.unusedSlots == null) return;
    for (const name of this.unusedSlots) {
      const slot = this.slots.get(name);
      if (slot) tf.dispose([slot.m, slot.v]);
      this.slots.delete(name);
    }
    this.unusedSlots = null;
  }

  /** `tf.variableGrads` with the backward pass's memory released early (see lean-gradients.ts); the same gradients. */
  override computeGradients(
    f: () => tf.Scalar,
    varList?: tf.Variable[],
  ): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    return leanVariableGrads(f, varList);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const pairs = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(variableGradients);
    this.step++;
    const attrs = {
      lr: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      bias1: 1 - this.beta1 ** this.step,
      bias2: 1 - this.beta2 ** this.step,
    };
    for (const [name, grad] of pairs) {
      if (grad == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`FusedAdam: no variable named '${name}'`);
      const slot = this.slot(name, variable);
      this.unusedSlots?.delete(name);
      // wasm: in place, so parameters and moments keep their place in the heap (see wasm/in-place.ts)
      if (adamUpdateInPlace(variable, grad, slot.m, slot.v, attrs)) continue;
      const [p, m, v] = adamUpdate(variable, grad, slot.m, slot.v, attrs);
      variable.assign(p);
      slot.m.assign(m);
      slot.v.assign(v);
      tf.dispose([p, m, v]);
    }
    this.incrementIterations();
  }

  override dispose(): void {
    for (const slot of this.slots.values()) tf.dispose([slot.m, slot.v]);
    this.slots.clear();
  }

  /** [step, then m and v of every variable in first-update order] as tfjs optimizers save them. */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.step, 'int32') }];
    for (const [name, slot] of this.slots) {
      out.push({ name: `${name}/m`, tensor: slot.m }, { name: `${name}/v`, tensor: slot.v });
    }
    return out;
  }

  override async setWeights(weights: NamedTensor[]): Promise<void> {
    const iter = weights.find((w) => w.name === 'iter');
    if (!iter) throw new Error("FusedAdam.setWeights: missing 'iter'");
    this.step = (await iter.tensor.data())[0];
    this.dispose();
    for (const w of weights) {
      const match = /^(.*)\/([mv])$/.exec(w.name);
      if (!match) continue;
      const [, name, which] = match;
      const slot = this.slots.get(name) ?? ({} as Slot);
      slot[which as 'm' | 'v'] = tf.tidy(() => tf.variable(w.tensor.clone(), false));
      this.slots.set(name, slot);
    }
    for (const [name, slot] of this.slots) {
      if (!slot.m || !slot.v) throw new Error(`FusedAdam.setWeights: '${name}' lacks its m or v`);
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as unknown as FusedAdamOptions);
  }
}

tf.serialization.registerClass(FusedAdam);
