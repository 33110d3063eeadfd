/**
 * The kernels tfjs-backend-wasm lacks for training depthwise/separable convolutions and gathers
 * (embeddings): DepthwiseConv2dNativeBackpropInput / BackpropFilter (JavaScript, and the native C of
 * both builds) against the cpu backend at strides 1–3, kernel sizes 1/3/5/7, channel multipliers 1/2,
 * same/valid, odd sizes, against finite differences, and the same bits on one or two threads; UnsortedSegmentSum on a hand-computed case and as gather's gradient; tf.layers models
 * with separableConv2d and embedding training the same steps on wasm as on cpu.
 */
import { tf } from '@bmse/backend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadNativeBuilds } from '../src/native/blas.js';
import { wasmKernelSettings } from '../src/wasm/settings.js';
import { initBackendNative, kernelVariants, maxAbs, maxAbsDiff, on, seededTensor, setupWasm } from './helpers.js';

beforeAll(setupWasm);

const depthwiseGrads = (xs: number[], ws: number[], stride: number, pad: 'same' | 'valid') => () => {
  const x = seededTensor(xs, 1);
  const w = seededTensor(ws, 2);
  const y = tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad);
  const weight = seededTensor(y.shape, 3);
  return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), weight)),
  )([x, w]);
};

/** Compiles `model` with SGD, takes one step (the optimizer's state), then three: their losses and the tensors they left. */
async function trainSteps(model: tf.Sequential, x: tf.Tensor, y: tf.Tensor, lr: number) {
  model.compile({ optimizer: tf.train.sgd(lr), loss: 'meanSquaredError' });
  await model.trainOnBatch(x, y);
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) losses.push((await model.trainOnBatch(x, y)) as number);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, y]);
  model.dispose();
  return { losses, leaked };
}

describe.each(kernelVariants())('depthwise convolution gradients on wasm (%s kernels)', (_n, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });
  it.each([
    [[2, 9, 11, 3], [3, 3, 3, 1], 1, 'same'],
    [[2, 9, 11, 3], [3, 3, 3, 2], 2, 'same'],
    [[1, 13, 10, 4], [5, 5, 4, 1], 3, 'valid'],
    [[3, 8, 8, 5], [1, 1, 5, 2], 1, 'valid'],
    [[1, 15, 17, 2], [7, 7, 2, 1], 2, 'same'],
    [[2, 7, 7, 6], [3, 3, 6, 1], 2, 'valid'],
  ] as const)('match the cpu backend: x %j, filter %j, stride %d, %s', async (xs, ws, stride, pad) => {
    const want = await on('cpu', depthwiseGrads([...xs], [...ws], stride, pad));
    const got = await on('wasm', depthwiseGrads([...xs], [...ws], stride, pad));
    for (let i = 0; i < 2; i++) {
      expect(got[i].length).toBe(want[i].length);
      expect(maxAbsDiff(got[i], want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(want[i])));
    }
    expect(maxAbs(want[0])).toBeGreaterThan(0.01);
    expect(maxAbs(want[1])).toBeGreaterThan(0.01);
  });

  it('match central finite differences of the loss', async () => {
    const xs = [1, 6, 7, 2];
    const ws = [3, 3, 2, 2];
    const loss = (x: Float32Array, w: Float32Array) =>
      tf.tidy(() => {
        const y = tf.depthwiseConv2d(tf.tensor4d(x, xs as never), tf.tensor4d(w, ws as never), 2, 'same');
        return tf.sum(tf.mul(y, seededTensor(y.shape, 3))).dataSync()[0];
      });
    const [gx, gw] = await on('wasm', depthwiseGrads(xs, ws, 2, 'same'));
    const x0 = seededTensor(xs, 1).dataSync() as Float32Array;
    const w0 = seededTensor(ws, 2).dataSync() as Float32Array;
    const h = 1e-2; // the loss is linear in each input: central differences are exact up to rounding
    for (const [values, grad, which] of [
      [x0, gx, 'x'],
      [w0, gw, 'w'],
    ] as const) {
      for (const i of [0, 5, 17, values.length - 1]) {
        const up = Float32Array.from(values);
        const down = Float32Array.from(values);
        up[i] += h;
        down[i] -= h;
        const fd =
          which === 'x' ? (loss(up, w0) - loss(down, w0)) / (2 * h) : (loss(x0, up) - loss(x0, down)) / (2 * h);
        expect(Math.abs(fd - grad[i]), `${which}[${i}]`).toBeLessThan(2e-3);
      }
    }
  });

  it('train a tf.layers separableConv2d net the same three SGD steps as cpu', async () => {
    const steps = async () => {
      const model = tf.sequential({
        layers: [
          tf.layers.separableConv2d({
            inputShape: [12, 12, 3],
            filters: 8,
            kernelSize: 3,
            depthMultiplier: 2,
            padding: 'same',
            activation: 'relu',
            depthwiseInitializer: tf.initializers.glorotNormal({ seed: 1 }),
            pointwiseInitializer: tf.initializers.glorotNormal({ seed: 2 }),
          }),
          tf.layers.depthwiseConv2d({
            kernelSize: 3,
            strides: 2,
            depthwiseInitializer: tf.initializers.glorotNormal({ seed: 3 }),
          }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }),
        ],
      });
      return trainSteps(model, seededTensor([4, 12, 12, 3], 5), seededTensor([4, 1], 6), 0.05);
    };
    await tf.setBackend('cpu');
    const { losses: want } = await steps();
    await tf.setBackend('wasm');
    const { losses: got, leaked } = await steps();
    expect(leaked).toBe(0);
    for (let i = 0; i < 3; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4 * Math.max(1, want[i]));
    expect(want[2]).toBeLessThan(want[0]);
  });
});

describe('tf.layers.separableConv2d on wasm', () => {
  it('runs its pointwise convolution, bias and ReLU as one FusedConv2D under a tape, with cpu’s gradients', async () => {
    const grads = () => {
      const layer = tf.layers.separableConv2d({
        filters: 6,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        depthMultiplier: 2,
        depthwiseInitializer: tf.initializers.glorotNormal({ seed: 1 }),
        pointwiseInitializer: tf.initializers.glorotNormal({ seed: 2 }),
        biasInitializer: tf.initializers.randomNormal({ seed: 3, stddev: 0.3 }),
      });
      const x = seededTensor([2, 9, 9, 3], 4);
      layer.apply(x); // builds the weights
      const weight = seededTensor([2, 5, 5, 6], 5);
      const { grads: g } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, weight)) as tf.Scalar);
      const out = layer.trainableWeights.map((w) => g[w.originalName]);
      return out;
    };
    const want = await on('cpu', grads);
    await tf.setBackend('wasm');
    const info = await tf.profile(() => {
      tf.dispose(tf.tidy(grads));
    });
    expect(info.kernelNames).toContain('FusedConv2D');
    expect(info.kernelNames).not.toContain('Relu');
    expect(info.kernelNames).not.toContain('Add');
    const got = await on('wasm', grads);
    expect(got.length).toBe(3); // depthwise kernel, pointwise kernel, bias
    for (let i = 0; i < 3; i++) {
      expect(maxAbsDiff(got[i], want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(want[i])));
      expect(maxAbs(want[i])).toBeGreaterThan(0.01);
    }
  });
});

describe('native depthwise gradients', () => {
  const builds = loadNativeBuilds(2);
  afterAll(() => {
    for (const { blas } of builds) blas.setThreads(2);
    wasmKernelSettings.native = initBackendNative();
  });
  it.skipIf(builds.length === 0)(
    'give the same bits on one thread as on two (9 images: 3 groups of the filter sums)',
    async () => {
      const runs: Float32Array[][] = [];
      for (const { blas } of builds)
        for (const threads of [2, 1]) {
          blas.setThreads(threads);
          wasmKernelSettings.native = blas;
          runs.push(await on('wasm', depthwiseGrads([9, 10, 12, 8], [3, 3, 8, 2], 1, 'same')));
        }
      for (const run of runs.slice(1))
        for (let i = 0; i < 2; i++)
          expect(Buffer.compare(Buffer.from(run[i].buffer), Buffer.from(runs[0][i].buffer))).toBe(0);
      expect(maxAbs(runs[0][1])).toBeGreaterThan(0.1);
    },
  );
});

describe('UnsortedSegmentSum on wasm', () => {
  it('sums the rows of each segment and drops ids outside [0, numSegments)', async () => {
    const [out] = await on('wasm', () =>
      tf.unsortedSegmentSum(
        tf.tensor2d([1, 2, 10, 20, 100, 200, 7, 7, 0.5, 0.25], [5, 2]),
        tf.tensor1d([2, 0, 2, 5, -1], 'int32'),
        3,
      ),
    );
    expect(Array.from(out)).toEqual([10, 20, 0, 0, 101, 202]);
    const [ints] = await on('wasm', () =>
      tf.unsortedSegmentSum(tf.tensor1d([3, 4, 5], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2),
    );
    expect(Array.from(ints)).toEqual([5, 7]);
  });

  it('gives gather’s gradient as on cpu, and an embedding trains the same steps', async () => {
    const grad = () => {
      const table = seededTensor([6, 4], 1);
      const ids = tf.tensor1d([5, 1, 1, 0, 5, 3], 'int32');
      const weight = seededTensor([6, 4], 2);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), weight)))(table);
    };
    const [want] = await on('cpu', grad);
    const [got] = await on('wasm', grad);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-6);
    expect(maxAbs(want)).toBeGreaterThan(0.1);
    const steps = async () => {
      const model = tf.sequential({
        layers: [
          tf.layers.embedding({
            inputDim: 10,
            outputDim: 4,
            inputLength: 3,
            embeddingsInitializer: tf.initializers.randomNormal({ seed: 1 }),
          }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
        ],
      });
      return trainSteps(
        model,
        tf.tensor2d([1, 2, 3, 4, 4, 9, 0, 1, 2], [3, 3]),
        tf.tensor2d([1, -1, 0.5], [3, 1]),
        0.1,
      );
    };
    await tf.setBackend('cpu');
    const { losses: wantLosses } = await steps();
    await tf.setBackend('wasm');
    const { losses: gotLosses, leaked } = await steps();
    expect(leaked).toBe(0);
    for (let i = 0; i < 3; i++) expect(Math.abs(gotLosses[i] - wantLosses[i])).toBeLessThan(1e-5);
    expect(wantLosses[2]).toBeLessThan(wantLosses[0]);
  });
});
