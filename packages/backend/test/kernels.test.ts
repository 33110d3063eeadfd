/**
 * The other kernels this package registers or extends on wasm, against the cpu
 * backend: Conv2D/FusedConv2D forward (native path and its fallbacks), MaxPool, MaxPoolGrad,
 * Sum/Mean over leading axes, and the tile-free FusedBatchNorm gradient.
 */
import { addRelu, tf } from '@bmse/backend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { leadingAxesCount, reducedBlock } from '../src/wasm/reduce-axis-block.js';
import { wasmKernelSettings } from '../src/wasm/settings.js';
import {
  initBackendNative,
  kernelVariants,
  maxAbs,
  maxAbsDiff,
  on,
  seeded,
  seededTensor,
  setupWasm,
} from './helpers.js';

beforeAll(setupWasm);

const t = seededTensor;
const close = (a: Float32Array, b: Float32Array, rel = 1e-5) =>
  expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(rel * Math.max(1, maxAbs(b)));

describe.each(kernelVariants())('wasm kernels (%s variant)', (_name, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });

  it.each([
    ['k3 s1 same', 3, 1, 'same'],
    ['k3 s2 same', 3, 2, 'same'],
    ['k1 s1 valid (pointwise)', 1, 1, 'valid'],
    ['k7 s2 valid', 7, 2, 'valid'],
    ['k5 s3 same', 5, 3, 'same'],
  ] as const)('Conv2D forward %s matches cpu', async (_l, k, s, pad) => {
    const f = () => tf.conv2d(t([3, 13, 11, 6], 1) as tf.Tensor4D, t([k, k, 6, 5], 2) as tf.Tensor4D, s, pad);
    const [ref] = await on('cpu', f);
    const [got] = await on('wasm', f);
    close(got, ref);
  });

  it.each([
    ['k5 s1 same, 64 -> 16', [2, 13, 11, 64], 5, 16, 1, 'same'],
    ['k5 s2 same, 48 -> 3', [3, 11, 9, 48], 5, 3, 2, 'same'],
    ['k3 s2 valid, 32 -> 2', [2, 10, 7, 32], 3, 2, 2, 'valid'],
    ['k5 s1 same, 12 -> 1', [1, 9, 8, 12], 5, 1, 1, 'same'],
  ] as const)('Conv2D forward with few output channels, %s, matches cpu', async (_l, xShape, k, cout, s, pad) => {
    const f = () => tf.conv2d(t([...xShape], 1) as tf.Tensor4D, t([k, k, xShape[3], cout], 2) as tf.Tensor4D, s, pad);
    const [ref] = await on('cpu', f);
    const [got] = await on('wasm', f);
    close(got, ref);
  });

  it('FusedConv2D with few output channels, bias and relu matches cpu', async () => {
    const f = () =>
      tf.fused.conv2d({
        x: t([2, 7, 9, 40], 3) as tf.Tensor4D,
        filter: t([5, 5, 40, 4], 4) as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias: t([4], 5),
        activation: 'relu',
      });
    const [ref] = await on('cpu', f);
    const [got] = await on('wasm', f);
    close(got, ref);
  });

  it.each(['linear', 'relu', 'elu'] as const)('FusedConv2D with bias and %s matches cpu', async (activation) => {
    const f = () =>
      tf.fused.conv2d({
        x: t([2, 9, 9, 4], 3) as tf.Tensor4D,
        filter: t([3, 3, 4, 7], 4) as tf.Tensor4D,
        strides: 2,
        pad: 'same',
        bias: t([7], 5),
        activation,
      });
    const [ref] = await on('cpu', f);
    const [got] = await on('wasm', f);
    close(got, ref);
  });

  it('Conv2D with dilation 2 (falls back to XNNPACK) matches cpu', async () => {
    const f = () =>
      tf.conv2d(t([1, 12, 12, 3], 6) as tf.Tensor4D, t([3, 3, 3, 2], 7) as tf.Tensor4D, 1, 'same', 'NHWC', 2);
    const [ref] = await on('cpu', f);
    const [got] = await on('wasm', f);
    close(got, ref);
  });

  it.each([
    ['2-D', [5, 7], [7, 3], false, false],
    ['transposeA', [4, 7, 5], [4, 7, 3], true, false],
    ['transposeB', [4, 5, 7], [4, 3, 7], false, true],
    ['both transposed', [2, 7, 5], [2, 3, 7], true, true],
    ['shared A, batched B (upsampling)', [1, 6, 4], [9, 4, 8], false, false],
    ['batched A, shared B', [3, 2, 5, 4], [4, 6], false, false],
    ['shared A transposed', [1, 4, 6], [9, 4, 8], true, false],
  ] as const)('BatchMatMul %s matches cpu', async (_l, sa, sb, ta, tb) => {
    const f = () => tf.matMul(t([...sa], 20), t([...sb], 21), ta, tb);
    const [ref] = await on('cpu', f);
    const [got] = await on('wasm', f);
    close(got, ref);
  });

  it.each([
    ['2x2 s2 valid', 2, 2, 'valid', [2, 8, 10, 3]],
    ['3x3 s2 same (ResNet stem)', 3, 2, 'same', [2, 11, 9, 5]],
    ['3x3 s1 same', 3, 1, 'same', [1, 7, 7, 4]],
    ['3x3 s2 same, many ties', 3, 2, 'same', [2, 10, 10, 8]],
  ] as const)('MaxPoolGrad %s matches cpu', async (label, size, stride, pad, shape) => {
    // ties: ReLU outputs are mostly exact zeros; the first maximum of a window gets the gradient
    const x = () => (label.includes('ties') ? tf.relu(tf.sub(t([...shape], 8), 0.8)) : t([...shape], 8));
    const f = () =>
      tf.grad((a: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.maxPool(a as tf.Tensor4D, size, stride, pad),
            t(tf.maxPool(a as tf.Tensor4D, size, stride, pad).shape, 9),
          ),
        ),
      )(x());
    const [ref] = await on('cpu', f);
    const [got] = await on('wasm', f);
    // same routing as cpu: differences only from the order of adding overlapping windows' gradients
    expect(maxAbsDiff(got, ref)).toBeLessThan(1e-6);
    expect(maxAbs(ref)).toBeGreaterThan(0.1);
  });

  it.each([
    ['2x2 s2 valid', 2, 2, 'valid', [2, 8, 10, 3]],
    ['2x2 s2 valid, odd size', 2, 2, 'valid', [3, 9, 7, 16]],
    ['3x3 s2 same (ResNet stem)', 3, 2, 'same', [2, 11, 9, 5]],
    ['3x3 s1 same', 3, 1, 'same', [1, 7, 7, 4]],
    ['3x3 s3 same', 3, 3, 'same', [2, 10, 8, 6]],
  ] as const)('MaxPool %s matches cpu', async (_l, size, stride, pad, shape) => {
    const f = () => tf.maxPool(t([...shape], 8) as tf.Tensor4D, size, stride, pad);
    const [ref] = await on('cpu', f);
    const [got] = await on('wasm', f);
    expect(Array.from(got)).toEqual(Array.from(ref));
  });

  it('Relu and same-shape Add (native above 4096 elements) match cpu; broadcasting Add falls back', async () => {
    const f = () => {
      const a = t([3, 17, 11, 9], 30);
      const b = t([3, 17, 11, 9], 31);
      const small = t([5, 7], 32);
      return [tf.relu(a), tf.add(a, b), tf.add(a, t([9], 33)), tf.relu(small), tf.add(small, small)];
    };
    const ref = await on('cpu', f);
    const got = await on('wasm', f);
    for (let i = 0; i < ref.length; i++) expect(Array.from(got[i])).toEqual(Array.from(ref[i]));
  });

  it('addRelu: relu(a + b) and its gradients (to both inputs) match tf.relu(tf.add) on cpu', async () => {
    const f = (fused: boolean) => () => {
      const a = t([3, 17, 11, 9], 50);
      const b = t([3, 17, 11, 9], 51);
      const w = t([3, 17, 11, 9], 52);
      const op = (x: tf.Tensor, y: tf.Tensor) => (fused ? addRelu(x, y) : tf.relu(tf.add(x, y)));
      return [op(a, b), ...tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(op(x, y), w)))([a, b])];
    };
    const ref = await on('cpu', f(false));
    const got = await on('wasm', f(true));
    for (let i = 0; i < ref.length; i++) expect(Array.from(got[i])).toEqual(Array.from(ref[i]));
    expect(got[0].filter((v) => v === 0).length).toBeGreaterThan(got[0].length / 4);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const [a, b] = [t([4, 5], 53), t([4, 5], 54)];
    tf.dispose([addRelu(a, b), ...tf.grads((x: tf.Tensor) => tf.sum(addRelu(x, b)))([a]), a, b]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => addRelu(t([4, 5], 1), t([5], 2))).toThrow(/same shape, got \[4,5\] and \[5\]/);
  });

  it('inference batch norm (native above 4096 elements) matches cpu, with and without offset and scale', async () => {
    const f = () => {
      const x = t([3, 17, 11, 9], 40);
      const mean = t([9], 41);
      const variance = tf.add(tf.abs(t([9], 42)), 0.1);
      const offset = t([9], 43);
      const scale = t([9], 44);
      return [
        tf.batchNorm(x, mean, variance, offset, scale, 1e-3),
        tf.batchNorm(x, mean, variance, undefined, undefined, 1e-5),
        tf.batchNorm(x, mean, variance, offset, undefined, 1e-5),
        tf.batchNorm(t([2, 5], 45), t([5], 46), tf.add(tf.abs(t([5], 47)), 0.1)), // small: the backend's kernel
        tf.batchNorm(x, tf.mean(x, [0, 1, 2], true), tf.add(tf.mean(tf.square(x), [0, 1, 2], true), 0.1)), // 4-D: the backend's kernel
      ];
    };
    const ref = await on('cpu', f);
    const got = await on('wasm', f);
    for (let i = 0; i < ref.length; i++) close(got[i], ref[i], 1e-5);
  });

  it.each([
    ['sum [0,1,2] of NHWC', (x: tf.Tensor) => tf.sum(x, [0, 1, 2])],
    ['sum [0] keepDims', (x: tf.Tensor) => tf.sum(x, 0, true)],
    ['mean [0,1,2] of NHWC', (x: tf.Tensor) => tf.mean(x, [0, 1, 2])],
    ['mean [1,0] keepDims', (x: tf.Tensor) => tf.mean(x, [1, 0], true)],
    ['sum [1,2] (middle axes)', (x: tf.Tensor) => tf.sum(x, [1, 2])],
    ['mean [1,2] keepDims (global average pooling)', (x: tf.Tensor) => tf.mean(x, [1, 2], true)],
    ['mean [2] (one middle axis)', (x: tf.Tensor) => tf.mean(x, 2)],
    ['sum [1,3] (not contiguous: backend path)', (x: tf.Tensor) => tf.sum(x, [1, 3])],
    ['mean [2,3] (last axis: backend path)', (x: tf.Tensor) => tf.mean(x, [2, 3])],
    ['mean all', (x: tf.Tensor) => tf.mean(x)],
  ] as const)('%s matches cpu', async (_l, op) => {
    const f = () => op(t([4, 5, 6, 7], 10));
    const [ref] = await on('cpu', f);
    const [got] = await on('wasm', f);
    close(got, ref);
  });

  it('FusedBatchNorm gradients (x, mean, variance, scale, offset) match the tfjs-core formula on cpu', async () => {
    // reference: the same normalisation written with elementary ops, whose gradients are standard
    const inputs = () => [t([3, 4, 5, 6], 11), t([6], 12), tf.add(tf.abs(t([6], 13)), 0.5), t([6], 14), t([6], 15)];
    const viaKernel = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
      tf.sum(tf.mul(tf.batchNorm(x, m, v, o, s, 1e-3), t([3, 4, 5, 6], 16)));
    const viaOps = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
      tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(x, m), tf.rsqrt(tf.add(v, 1e-3))), s), o), t([3, 4, 5, 6], 16)));
    const ref = await on('cpu', () => tf.grads(viaOps)(inputs()));
    const gotCpu = await on('cpu', () => tf.grads(viaKernel)(inputs()));
    const gotWasm = await on('wasm', () => tf.grads(viaKernel)(inputs()));
    for (let i = 0; i < 5; i++) {
      close(gotCpu[i], ref[i], 1e-4);
      close(gotWasm[i], ref[i], 1e-4);
    }
  });
});

describe('leadingAxesCount', () => {
  it('recognises exactly the leading-axes reductions', () => {
    expect(leadingAxesCount([0, 1, 2], [2, 3, 4, 5])).toBe(3);
    expect(leadingAxesCount([1, 0], [2, 3, 4])).toBe(2);
    expect(leadingAxesCount(-4, [2, 3, 4, 5])).toBe(1);
    expect(leadingAxesCount([1, 2], [2, 3, 4])).toBe(0);
    expect(leadingAxesCount([0, 1, 2], [2, 3, 4])).toBe(0); // full reduction: the backend handles it
  });
  it('recognises the contiguous blocks of axes before the last', () => {
    expect(reducedBlock([1, 2], [2, 3, 4, 5])).toEqual([1, 3]);
    expect(reducedBlock([2, 1], [2, 3, 4, 5])).toEqual([1, 3]);
    expect(reducedBlock(0, [2, 3])).toEqual([0, 1]);
    expect(reducedBlock([1, 3], [2, 3, 4, 5])).toBeNull();
    expect(reducedBlock([2, 3], [2, 3, 4, 5])).toBeNull();
    expect(reducedBlock(-1, [2, 3])).toBeNull();
  });
});

describe('copy-free Identity and Cast on wasm', () => {
  it('share memory yet stay valid after the source is disposed', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    const c = tf.cast(a, 'float32');
    const d = tf.cast(a, 'int32');
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3]);
    expect(Array.from(await c.data())).toEqual([1, 2, 3]);
    expect(d.dtype).toBe('int32');
    expect(Array.from(await d.data())).toEqual([1, 2, 3]);
    const before = tf.memory().numTensors;
    tf.dispose([b, c, d]);
    expect(tf.memory().numTensors).toBe(before - 3);
  });
});

describe.each(kernelVariants())('one-pass ReLU gradient (%s variant)', (_name, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });
  it('matches tfjs-core’s formula (including x = 0) on wasm and cpu', async () => {
    const f = () =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), tf.tensor1d(seeded(9, 2)))))(
        tf.tensor1d([-2, -0.5, 0, 0, 1e-7, 0.5, 3, -0, 7]),
      );
    // dy * step(x): negative dy times 0 is -0, as in tfjs-core
    const expected = Array.from(seeded(9, 2)).map((g, i) => g * ([4, 5, 6, 8].includes(i) ? 1 : 0));
    const [wasm] = await on('wasm', f);
    const [cpu] = await on('cpu', f);
    expect(Array.from(wasm)).toEqual(expected.map((v) => Math.fround(v)));
    expect(Array.from(cpu)).toEqual(expected.map((v) => Math.fround(v)));
  });
});
