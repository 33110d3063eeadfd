/**
 * FusedAdam against torch.optim.Adam's formula evaluated in float64 by hand,
 * on wasm (native and JS kernels) and cpu; the composite-op path; and a
 * save/restore round trip that continues exactly like an uninterrupted run.
 */
import { adamUpdate, FusedAdam, tf } from '@bmse/backend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adamUpdateKernelName } from '../src/optim/adam-update.js';
import { wasmKernelSettings } from '../src/wasm/settings.js';
import { initBackendNative, kernelVariants, maxAbsDiff, on, seeded, setupWasm } from './helpers.js';

beforeAll(setupWasm);

/** torch.optim.Adam (L2 weight decay) on a flat parameter, float64, for the given gradients per step. */
function torchAdam(
  p0: number[],
  grads: (p: number[]) => number[],
  steps: number,
  o: Required<Omit<ConstructorParameters<typeof FusedAdam>[0], never>>,
) {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    const g = grads(p).map((gi, i) => gi + o.weightDecay * p[i]);
    for (let i = 0; i < p.length; i++) {
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] * g[i];
      const mHat = m[i] / (1 - o.beta1 ** t);
      const vHat = v[i] / (1 - o.beta2 ** t);
      p[i] -= (o.learningRate * mHat) / (Math.sqrt(vHat) + o.eps);
    }
  }
  return p;
}

const opts = { learningRate: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.01 };
const target = Array.from(seeded(50, 7));
const start = Array.from(seeded(50, 8));
/** loss sum((p - target)^2 * (i+1)/10): gradient 2 (p - target) (i+1)/10 */
const lossGrad = (p: number[]) => p.map((pi, i) => (2 * (pi - target[i]) * (i + 1)) / 10);

function train(steps: number): tf.Tensor {
  const p = tf.variable(tf.tensor1d(start), true, `p${Math.random()}`);
  const scale = tf.tensor1d(target.map((_, i) => (i + 1) / 10));
  const opt = new FusedAdam(opts);
  for (let s = 0; s < steps; s++) opt.minimize(() => tf.sum(tf.mul(tf.square(tf.sub(p, target)), scale)) as tf.Scalar);
  opt.dispose();
  return p.clone();
}

describe.each(kernelVariants())('FusedAdam on wasm (%s kernels)', (_n, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });
  it('follows torch.optim.Adam over 5 steps', async () => {
    const expected = torchAdam(start, lossGrad, 5, opts);
    const [got] = await on('wasm', () => train(5));
    expect(maxAbsDiff(got, expected)).toBeLessThan(2e-6);
    expect(maxAbsDiff(start, expected)).toBeGreaterThan(0.1); // it moved
  });
});

describe('FusedAdam on cpu and through tfjs ops', () => {
  it('the cpu kernel follows torch.optim.Adam', async () => {
    const [got] = await on('cpu', () => train(5));
    expect(maxAbsDiff(got, torchAdam(start, lossGrad, 5, opts))).toBeLessThan(2e-6);
  });

  it('the composite-op path (backends without the kernel) gives the kernel values', async () => {
    const attrs = {
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.99,
      eps: 1e-8,
      weightDecay: 0.1,
      bias1: 1 - 0.9 ** 3,
      bias2: 1 - 0.99 ** 3,
    };
    const args = () =>
      [seeded(40, 1), seeded(40, 2), seeded(40, 3), seeded(40, 4).map(Math.abs)].map((a) => tf.tensor1d(a));
    const viaKernel = await on('cpu', () => {
      const [p, g, m, v] = args();
      return adamUpdate(p, g, m, v, attrs);
    });
    const kernel = tf.getKernel(adamUpdateKernelName, 'cpu');
    tf.unregisterKernel(adamUpdateKernelName, 'cpu');
    try {
      const viaOps = await on('cpu', () => {
        const [p, g, m, v] = args();
        return adamUpdate(p, g, m, v, attrs);
      });
      for (let i = 0; i < 3; i++) expect(maxAbsDiff(viaOps[i], viaKernel[i])).toBeLessThan(1e-6);
    } finally {
      if (kernel) tf.registerKernel(kernel);
    }
  });

  it('saved and restored state continues exactly like an uninterrupted run', async () => {
    await tf.setBackend('wasm');
    const uninterrupted = await train(6).data();
    const p = tf.variable(tf.tensor1d(start), true, 'resumed');
    const scale = tf.tensor1d(target.map((_, i) => (i + 1) / 10));
    const loss = () => tf.sum(tf.mul(tf.square(tf.sub(p, target)), scale)) as tf.Scalar;
    const first = new FusedAdam(opts);
    for (let s = 0; s < 3; s++) first.minimize(loss);
    const saved = (await first.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    first.dispose();
    const second = new FusedAdam(opts);
    await second.setWeights(saved);
    expect(second.iterationCount).toBe(3);
    for (let s = 0; s < 3; s++) second.minimize(loss);
    expect(maxAbsDiff(await p.data(), uninterrupted)).toBe(0);
  });

  it('rejects bad hyper-parameters with the allowed range', () => {
    expect(() => new FusedAdam({ learningRate: 1e-3, beta1: 1 })).toThrow(/beta1 must be in \[0, 1\), got 1/);
    expect(() => new FusedAdam({ learningRate: -1 })).toThrow(/learningRate must be >= 0/);
  });
});
