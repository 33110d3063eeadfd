/** batchNormInference: tf.batchNorm (then tf.relu) with the running statistics as one fused kernel, and its gradients. */
import { batchNormInference, tf } from '@bmse/backend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bnInferenceKernelName } from '../src/ops/batch-norm-inference.js';
import { wasmKernelSettings } from '../src/wasm/settings.js';
import { initBackendNative, kernelVariants, maxAbs, maxAbsDiff, on, seeded, setupWasm } from './helpers.js';

beforeAll(setupWasm);

const shape = [3, 7, 5, 12];
const size = shape.reduce((a, b) => a * b, 1);
const inputs = () => [
  tf.tensor(seeded(size, 1), shape),
  tf.tensor1d(seeded(12, 2)), // mean
  tf.add(tf.abs(tf.tensor1d(seeded(12, 3))), 0.2), // variance
  tf.tensor1d(seeded(12, 4)), // offset β
  tf.tensor1d(seeded(12, 5)), // scale γ
];
const weight = () => tf.tensor(seeded(size, 6), shape);

type Op = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => tf.Tensor;
const composed =
  (relu: boolean): Op =>
  (x, m, v, o, s) => {
    const y = tf.batchNorm(x, m, v, o, s, 1e-3);
    return relu ? tf.relu(y) : y;
  };
const fused =
  (relu: boolean): Op =>
  (x, m, v, o, s) =>
    batchNormInference(x, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3, relu);
const valueAndGrads = (op: Op) => () => {
  const ins = inputs() as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const grads = tf.grads((...a: tf.Tensor[]) =>
    tf.sum(tf.mul(op(...(a as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])), weight())),
  )(ins);
  return [op(...ins), ...grads];
};
const names = ['y', 'dx', 'dmean', 'dvariance', 'doffset', 'dscale'];

describe.each(kernelVariants())('batchNormInference on wasm (%s kernels)', (_n, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });
  it.each([false, true])(
    'gives tf.batchNorm’s (then tf.relu’s) value and gradients in all inputs, relu %s',
    async (relu) => {
      const ref = await on('cpu', valueAndGrads(composed(relu)));
      const got = await on('wasm', valueAndGrads(fused(relu)));
      for (let i = 0; i < ref.length; i++)
        expect(maxAbsDiff(got[i], ref[i]), names[i]).toBeLessThanOrEqual(2e-5 * Math.max(1, maxAbs(ref[i])));
      const zeros = got[0].filter((v) => v === 0).length / got[0].length;
      if (relu) expect(zeros).toBeGreaterThan(0.2);
      else expect(zeros).toBe(0);
    },
  );
});

describe('batchNormInference', () => {
  it('gives the same numbers through the cpu kernel and through tfjs ops where the kernel is absent', async () => {
    for (const relu of [false, true]) {
      const ref = await on('cpu', valueAndGrads(composed(relu)));
      const got = await on('cpu', valueAndGrads(fused(relu)));
      for (let i = 0; i < ref.length; i++)
        expect(maxAbsDiff(got[i], ref[i]), names[i]).toBeLessThanOrEqual(2e-5 * Math.max(1, maxAbs(ref[i])));
    }
    const kernel = tf.getKernel(bnInferenceKernelName, 'cpu');
    tf.unregisterKernel(bnInferenceKernelName, 'cpu');
    try {
      const ref = await on('cpu', valueAndGrads(composed(true)));
      const got = await on('cpu', valueAndGrads(fused(true)));
      for (let i = 0; i < ref.length; i++) expect(maxAbsDiff(got[i], ref[i])).toBe(0);
    } finally {
      if (kernel) tf.registerKernel(kernel);
    }
  });

  it('leaks no tensors and rejects statistics of the wrong shape', async () => {
    await tf.setBackend('wasm');
    const ins = inputs() as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const before = tf.memory().numTensors;
    tf.dispose(batchNormInference(...ins, 1e-5, true));
    const [, m, v, o, g] = ins;
    tf.dispose(tf.grads((x: tf.Tensor) => tf.sum(batchNormInference(x, m, v, o, g, 1e-5, true)))([ins[0]]));
    expect(tf.memory().numTensors).toBe(before);
    expect(() => batchNormInference(ins[0], tf.zeros([5]) as tf.Tensor1D, ins[2], ins[3], ins[4])).toThrow(
      /mean must have shape \[12\] for x of shape \[3,7,5,12\], got \[5\]/,
    );
    tf.dispose(ins);
  });
});
