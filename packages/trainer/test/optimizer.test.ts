import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer, resolveConfig } from '../src/index.js';
import { setupBackend } from './helpers.js';

/** One parameter p, loss ½p² (gradient p): the torch update rules by hand. */
function run(name: 'adam' | 'sgd', lrs: number[], weightDecay = 0): number[] {
  const c = resolveConfig({
    data: { dataset: 'synthetic-1d' },
    optimizer: { name, lr: lrs[0], momentum: 0.9, weightDecay },
  });
  const opt = createOptimizer(c);
  const init = tf.scalar(1);
  const p = tf.variable(init, true, `p_${name}_${weightDecay}_${Math.random()}`);
  init.dispose();
  const out: number[] = [];
  for (const lr of lrs) {
    opt.setLearningRate(lr);
    opt.apply({ [p.name]: p.clone() });
    out.push(p.dataSync()[0]);
  }
  opt.dispose();
  p.dispose();
  return out;
}

describe('model optimizers (torch semantics)', () => {
  beforeAll(async () => {
    await setupBackend();
  });

  it('SGD with momentum follows buf = 0.9·buf + g + wd·p, p −= lr·buf, and honours learning-rate changes', () => {
    const lrs = [0.1, 0.05, 0.01];
    let p = 1;
    let buf = 0;
    const want = lrs.map((lr) => {
      buf = 0.9 * buf + p + 0.01 * p;
      p -= lr * buf;
      return p;
    });
    const got = run('sgd', lrs, 0.01);
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(want[i], 6);
  });

  it('Adam follows torch.optim.Adam (bias-corrected, eps outside the root) with a changing learning rate', () => {
    const lrs = [0.1, 0.05];
    let p = 1;
    let m = 0;
    let v = 0;
    const want = lrs.map((lr, t) => {
      const g = p;
      m = 0.9 * m + 0.1 * g;
      v = 0.999 * v + 0.001 * g * g;
      p -= (lr * (m / (1 - 0.9 ** (t + 1)))) / (Math.sqrt(v / (1 - 0.999 ** (t + 1))) + 1e-8);
      return p;
    });
    for (const [i, x] of run('adam', lrs).entries()) expect(x).toBeCloseTo(want[i], 6);
  });

  it('leaves no tensors behind', () => {
    for (const name of ['sgd', 'adam'] as const) {
      const before = tf.memory().numTensors;
      run(name, [0.1, 0.2]);
      expect(tf.memory().numTensors, name).toBe(before);
    }
  });
});
