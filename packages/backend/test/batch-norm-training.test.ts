/**
 * The fused training-mode batch norm against the same computation composed from
 * tfjs ops (tf.moments + tf.batchNorm, differentiated by tfjs), on cpu and on
 * wasm (native and JS kernels); and no leaked tensors with or without a tape.
 */
import { batchNormTraining, tf } from '@bmse/backend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadNativeBuilds } from '../src/native/blas.js';
import { bnTrainKernelName } from '../src/ops/batch-norm-training.js';
import { wasmKernelSettings } from '../src/wasm/settings.js';
import { initBackendNative, kernelVariants, maxAbs, maxAbsDiff, on, seeded, setupWasm } from './helpers.js';

beforeAll(setupWasm);

let shape = [4, 5, 3, 6];
const size = () => shape.reduce((a, b) => a * b, 1);
const channels = () => shape[3];
const inputs = () => [
  tf.add(tf.mul(tf.tensor(seeded(size(), 1), shape), 3), 2), // mean 2, spread 3: not already normalised
  tf.tensor1d(seeded(channels(), 2)),
  tf.tensor1d(seeded(channels(), 3)),
];
const weight = () => tf.tensor(seeded(size(), 4), shape);

function composed(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return [tf.batchNorm(x, mean, variance, b, g, 1e-5), mean, variance];
}
function fusedOp(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] {
  const { y, mean, variance } = batchNormTraining(x, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5);
  return [y, mean, variance];
}
// conv -> BN -> ReLU: the fused ReLU against tf.relu on the composed ops
function composedRelu(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] {
  const [y, mean, variance] = composed(x, g, b);
  return [tf.relu(y), mean, variance];
}
function fusedReluOp(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] {
  const { y, mean, variance } = batchNormTraining(x, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, true);
  return [y, mean, variance];
}
const outputsAndGrads = (op: typeof composed) => () => {
  const [x, g, b] = inputs();
  const outs = op(x, g, b);
  const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(op(xx, gg, bb)[0], weight())))([
    x,
    g,
    b,
  ]);
  return [...outs, ...grads];
};

/** y, mean, variance, dx, dgamma, dbeta of `got` within `tol` (relative, float32 rounding) of `ref` */
function expectSameOutputsAndGrads(got: Float32Array[], ref: Float32Array[], tol = 2e-5): void {
  const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
  for (let i = 0; i < ref.length; i++) {
    expect(maxAbsDiff(got[i], ref[i]), names[i]).toBeLessThanOrEqual(tol * Math.max(1, maxAbs(ref[i])));
  }
}

/** the fused op, with and without its ReLU, against the composed tfjs ops, both on cpu */
async function expectFusedLikeComposedOnCpu(tol: number): Promise<void> {
  for (const [want, op] of [
    [composed, fusedOp],
    [composedRelu, fusedReluOp],
  ]) {
    expectSameOutputsAndGrads(await on('cpu', outputsAndGrads(op)), await on('cpu', outputsAndGrads(want)), tol);
  }
}

describe.each(kernelVariants())('batchNormTraining on wasm (%s kernels)', (_n, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });
  // 60 rows: one chunk of the statistics' sums; 1,683 rows: two chunks, on two OpenMP threads in the oneDNN build
  it.each([[[4, 5, 3, 6]], [[3, 17, 33, 20]]])(
    'gives the composed ops’ y, mean, variance and gradients, x %j',
    async (s) => {
      shape = s;
      const ref = await on('cpu', outputsAndGrads(composed));
      const got = await on('wasm', outputsAndGrads(fusedOp));
      expectSameOutputsAndGrads(got, ref);
      expect(maxAbs(ref[3])).toBeGreaterThan(0.01);
    },
  );

  it.each([[[4, 5, 3, 6]], [[3, 17, 33, 20]]])(
    'with the ReLU fused: tf.relu’s values and gradients, x %j',
    async (s) => {
      shape = s;
      const ref = await on('cpu', outputsAndGrads(composedRelu));
      const got = await on('wasm', outputsAndGrads(fusedReluOp));
      expectSameOutputsAndGrads(got, ref);
      // about half the outputs are clipped, and the gradient differs from the unfused one
      const zeros = got[0].filter((v) => v === 0).length / got[0].length;
      expect(zeros).toBeGreaterThan(0.3);
      expect(zeros).toBeLessThan(0.7);
      const plain = await on('wasm', outputsAndGrads(fusedOp));
      expect(maxAbsDiff(plain[3], got[3])).toBeGreaterThan(0.01);
    },
  );
});

// batch norm, its ReLU, max pooling and their gradients: the native loops split rows over OpenMP's threads
// and sum fixed chunks of rows in order, so every thread count and both builds give the same bits
const pooledOp = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] => {
  const [y, mean, variance] = fusedReluOp(x, g, b);
  return [y, mean, variance, tf.maxPool(y as tf.Tensor4D, 3, 2, 'same')];
};
describe('native batch norm and pooling loops', () => {
  const builds = loadNativeBuilds(2);
  afterAll(() => {
    for (const { blas } of builds) {
      blas.setParallelLoops(true);
      blas.setThreads(2);
    }
    wasmKernelSettings.native = initBackendNative();
  });
  it.skipIf(builds.length === 0)(
    'give the same bits on one or two threads, serial or parallel, in either build',
    async () => {
      shape = [5, 40, 33, 12]; // 6,600 rows: 7 chunks
      const runs: Array<[string, Float32Array[]]> = [];
      for (const { name, blas } of builds)
        for (const [threads, parallel] of [
          [2, true],
          [1, true],
          [2, false],
        ] as const) {
          blas.setThreads(threads);
          blas.setParallelLoops(parallel);
          wasmKernelSettings.native = blas;
          const got = await on('wasm', () => {
            const [x, g, b] = inputs();
            const outs = pooledOp(x, g, b);
            const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor) => {
              const [y, , , pooled] = pooledOp(xx, gg, b);
              return tf.add(tf.sum(tf.mul(y, weight())), tf.sum(pooled));
            })([x, g]);
            return [...outs, ...grads];
          });
          runs.push([
            `${name} ${threads} threads ${parallel ? 'parallel' : 'serial'}`,
            got.map((a) => Float32Array.from(a)),
          ]);
        }
      const ref = await on('cpu', () => {
        const [x, g, b] = inputs();
        const [y, mean, variance] = composedRelu(x, g, b);
        return [y, mean, variance];
      });
      expect(maxAbsDiff(runs[0][1][1], ref[1])).toBeLessThan(1e-5 * maxAbs(ref[1])); // the batch's mean, as tf.moments
      expect(maxAbs(runs[0][1][4])).toBeGreaterThan(0.01); // dx is not trivially zero
      for (const [name, got] of runs.slice(1))
        for (let i = 0; i < got.length; i++)
          expect(
            Buffer.compare(Buffer.from(got[i].buffer), Buffer.from(runs[0][1][i].buffer)),
            `${name}, output ${i}`,
          ).toBe(0);
    },
  );
});

describe('batchNormTraining', () => {
  beforeEach(() => {
    shape = [4, 5, 3, 6];
  });
  it('gives the same numbers through the cpu kernel, with and without the fused ReLU', async () => {
    await expectFusedLikeComposedOnCpu(2e-5);
  });

  it('falls back to tfjs ops on backends without the kernel', async () => {
    const kernel = tf.getKernel(bnTrainKernelName, 'cpu');
    tf.unregisterKernel(bnTrainKernelName, 'cpu');
    try {
      await expectFusedLikeComposedOnCpu(1e-6);
    } finally {
      if (kernel) tf.registerKernel(kernel);
    }
  });

  it('leaks no tensors, with or without gradients', async () => {
    await tf.setBackend('wasm');
    const [x, g, b] = inputs();
    const before = tf.memory().numTensors;
    const { y, mean, variance } = batchNormTraining(x, g as tf.Tensor1D, b as tf.Tensor1D);
    tf.dispose([y, mean, variance]);
    expect(tf.memory().numTensors).toBe(before);
    const grads = tf.grads((xx: tf.Tensor) => {
      const r = batchNormTraining(xx, g as tf.Tensor1D, b as tf.Tensor1D);
      tf.dispose([r.mean, r.variance]);
      return tf.sum(r.y);
    })([x]);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects gamma/beta of the wrong shape', () => {
    const [x] = inputs();
    expect(() => batchNormTraining(x, tf.ones([5]) as tf.Tensor1D, tf.zeros([6]) as tf.Tensor1D)).toThrow(
      /must have shape \[6\]/,
    );
  });
});
