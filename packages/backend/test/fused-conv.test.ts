/**
 * Fused convolutions while gradients are recorded (src/wasm/fused-under-grad.ts) and the oneDNN
 * kernels behind them: tf.fused.conv2d with bias and ReLU stays one FusedConv2D kernel under a
 * gradient tape on wasm, and its gradients (x, filter, bias) match the cpu backend (which runs
 * tfjs-core's unfused Conv2D + Add + Relu) over strides 1-3, kernel sizes 1/3/5/7 and odd sizes, for
 * every kernel variant (XNNPACK, OpenBLAS, oneDNN); a plain tf.layers net trained with trainOnBatch
 * and SGD takes the same step on wasm as on cpu; oneDNN runs JIT kernels, not reference loops.
 */
import { tf } from '@bmse/backend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DNNL_MIN_POSITIONS, loadNativeBuilds } from '../src/native/blas.js';
import { reluBackwardWithBiasSum } from '../src/relu-grad.js';
import { nativeGeometry, wasmKernelSettings } from '../src/wasm/settings.js';
import { initBackendNative, kernelVariants, maxAbs, maxAbsDiff, on, seededTensor, setupWasm } from './helpers.js';

beforeAll(setupWasm);

const t = seededTensor;

interface Case {
  x: [number, number, number, number];
  k: number;
  cout: number;
  stride: number;
  pad: 'same' | 'valid';
  bias: boolean;
}
const cases: Case[] = [
  { x: [2, 9, 11, 3], k: 3, cout: 16, stride: 1, pad: 'same', bias: true },
  { x: [3, 8, 8, 5], k: 1, cout: 7, stride: 1, pad: 'valid', bias: true },
  { x: [2, 13, 9, 6], k: 5, cout: 8, stride: 2, pad: 'same', bias: false },
  { x: [1, 15, 13, 4], k: 7, cout: 5, stride: 3, pad: 'valid', bias: true },
  { x: [2, 10, 7, 32], k: 3, cout: 2, stride: 2, pad: 'valid', bias: true },
  { x: [2, 11, 11, 8], k: 3, cout: 24, stride: 3, pad: 'same', bias: false },
];
const label = (c: Case) => `k${c.k} s${c.stride} ${c.pad} x[${c.x}] -> ${c.cout}${c.bias ? ' + bias' : ''}, relu`;

/** Gradients of sum(relu(conv(x, w) + b) * dy) w.r.t. x, w (and b). */
function grads(c: Case): tf.Tensor[] {
  const x = t(c.x, 1);
  const w = t([c.k, c.k, c.x[3], c.cout], 2);
  const b = t([c.cout], 3);
  const y = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) =>
    tf.fused.conv2d({
      x: xx as tf.Tensor4D,
      filter: ww as tf.Tensor4D,
      strides: c.stride,
      pad: c.pad,
      bias: bb,
      activation: 'relu',
    });
  const dy = t(y(x, w, c.bias ? b : undefined).shape, 4);
  return c.bias
    ? tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(y(xx, ww, bb), dy)))([x, w, b])
    : tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(y(xx, ww), dy)))([x, w]);
}

describe.each(kernelVariants())('fused conv2d + bias + relu under a gradient tape (%s kernels)', (_n, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });

  it.each(cases.map((c) => [label(c), c] as const))('gradients match the cpu backend: %s', async (_l, c) => {
    const ref = await on('cpu', () => grads(c));
    const got = await on('wasm', () => grads(c));
    expect(got.length).toBe(c.bias ? 3 : 2);
    for (let i = 0; i < ref.length; i++) {
      expect(maxAbsDiff(got[i], ref[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(ref[i])));
      expect(maxAbs(ref[i])).toBeGreaterThan(0.1);
    }
  });
});

describe('linear fused conv2d without bias under a gradient tape (ResNet convolutions)', () => {
  const conv = (x: tf.Tensor, w: tf.Tensor, stride: number) =>
    tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: stride, pad: 'same' });
  it.each([1, 2, 3])('gradients match the cpu backend at stride %i', async (stride) => {
    const f = () => {
      const x = t([2, 11, 9, 5], 1);
      const w = t([3, 3, 5, 6], 2);
      const dy = t(conv(x, w, stride).shape, 3);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b, stride), dy)))([x, w]);
    };
    const ref = await on('cpu', f);
    const got = await on('wasm', f);
    for (let i = 0; i < 2; i++)
      expect(maxAbsDiff(got[i], ref[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(ref[i])));
  });

  it('runs as Conv2D and computes no input gradient for a stem convolution', async () => {
    await tf.setBackend('wasm');
    const x = t([1, 16, 16, 3], 1);
    const w = tf.variable(t([7, 7, 3, 8], 2));
    const info = await tf.profile(() => {
      tf.dispose(tf.tidy(() => tf.variableGrads(() => tf.sum(conv(x, w, 2))).grads));
    });
    expect(info.kernelNames).toContain('Conv2D');
    expect(info.kernelNames).toContain('Conv2DBackpropFilter');
    expect(info.kernelNames).not.toContain('Conv2DBackpropInput');
    tf.dispose([x, w]);
  });
});

describe('fusion under a gradient tape', () => {
  it('records one FusedConv2D (no Add, no Relu) on wasm, and leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const c = cases[0];
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => {
      tf.dispose(tf.tidy(() => grads(c)));
    });
    expect(info.kernelNames).toContain('FusedConv2D');
    expect(info.kernelNames).not.toContain('Relu');
    expect(info.kernelNames).not.toContain('Add');
    expect(info.kernelNames).not.toContain('Conv2D');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps a linear convolution with a bias one FusedConv2D too, with cpu’s gradients', async () => {
    const linearGrads = () => {
      const x = t([2, 9, 11, 3], 1);
      const w = t([3, 3, 3, 5], 2);
      const b = t([5], 3);
      const dy = t([2, 5, 6, 5], 4);
      return tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, strides: 2, pad: 'same', bias: bb }),
            dy,
          ),
        ),
      )([x, w, b]);
    };
    const want = await on('cpu', linearGrads);
    await tf.setBackend('wasm');
    const info = await tf.profile(() => {
      tf.dispose(tf.tidy(linearGrads));
    });
    expect(info.kernelNames).toContain('FusedConv2D');
    expect(info.kernelNames).not.toContain('Add');
    const got = await on('wasm', linearGrads);
    for (let i = 0; i < 3; i++)
      expect(maxAbsDiff(got[i], want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(want[i])));
  });

  it.each(['relu', 'linear'] as const)(
    'computes no input gradient for a first layer (only the filter and bias gradients), %s',
    async (activation) => {
      // tfjs-core's fused op computes the input's too (its custom gradient is not lazy)
      await tf.setBackend('wasm');
      const x = t([2, 8, 8, 3], 1);
      const w = tf.variable(t([3, 3, 3, 4], 2));
      const b = tf.variable(t([4], 3));
      const info = await tf.profile(() =>
        tf.tidy(
          () =>
            tf.variableGrads(() =>
              tf.sum(
                tf.fused.conv2d({
                  x: x as tf.Tensor4D,
                  filter: w as unknown as tf.Tensor4D,
                  strides: 1,
                  pad: 'same',
                  bias: b,
                  activation,
                }),
              ),
            ).grads,
        ),
      );
      expect(info.kernelNames).toContain('FusedConv2D');
      expect(info.kernelNames).toContain('Conv2DBackpropFilter');
      expect(info.kernelNames).not.toContain('Conv2DBackpropInput');
      tf.dispose([x, w, b]);
    },
  );
});

/** A plain tf.sequential net as users write it: conv + relu (tfjs-layers' fused conv), max pooling, dense; SGD. */
function plainNet(): tf.Sequential {
  const model = tf.sequential();
  for (const [i, filters] of [6, 8].entries()) {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [12, 12, 3] } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 10 + i }),
        biasInitializer: tf.initializers.randomNormal({ seed: 20 + i, stddev: 0.1 }),
      }),
    );
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 30 }) }));
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
  return model;
}

async function plainSteps(backend: 'cpu' | 'wasm'): Promise<{ losses: number[]; weights: Float32Array[] }> {
  await tf.setBackend(backend);
  const model = plainNet();
  const x = t([4, 12, 12, 3], 5);
  const y = t([4, 1], 6);
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) losses.push((await model.trainOnBatch(x, y)) as number);
  const weights = await Promise.all(model.getWeights().map((w) => w.data() as Promise<Float32Array>));
  model.dispose();
  model.optimizer.dispose();
  tf.dispose([x, y]);
  await tf.setBackend('wasm');
  return { losses, weights };
}

describe('a plain tf.layers net trained with trainOnBatch and SGD', () => {
  it('takes the same steps on wasm as on cpu, without leaking tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const ref = await plainSteps('cpu');
    const got = await plainSteps('wasm');
    for (let i = 0; i < ref.losses.length; i++) expect(got.losses[i]).toBeCloseTo(ref.losses[i], 4);
    expect(ref.losses[2]).toBeLessThan(ref.losses[0]);
    for (let i = 0; i < ref.weights.length; i++)
      expect(maxAbsDiff(got.weights[i], ref.weights[i])).toBeLessThanOrEqual(
        1e-4 * Math.max(1, maxAbs(ref.weights[i])),
      );
    await tf.setBackend('wasm');
    expect(tf.memory().numTensors).toBe(before);
  });
});

const onednn = loadNativeBuilds(2).find((b) => b.name === 'onednn');
describe.skipIf(!onednn)('oneDNN kernels', () => {
  it.each([
    ['3x3 s1, 3 -> 16 (first layer)', [4, 16, 16, 3], [3, 3, 3, 16], 1, 'same'],
    ['3x3 s2, 32 -> 64', [2, 16, 16, 32], [3, 3, 32, 64], 2, 'same'],
    ['1x1 s2, 64 -> 128 (ResNet shortcut)', [2, 14, 14, 64], [1, 1, 64, 128], 2, 'valid'],
    ['7x7 s2, 3 -> 64 (ResNet stem)', [1, 32, 32, 3], [7, 7, 3, 64], 2, 'same'],
    ['5x5 s1, 256 -> 16 (depth net MFF)', [1, 9, 12, 256], [5, 5, 256, 16], 1, 'same'],
  ] as const)('run JIT implementations (no reference loops): %s', async (_l, xs, ws, s, pad) => {
    const blas = onednn?.blas;
    if (!blas) return;
    wasmKernelSettings.native = blas;
    blas.setDnnlMinPositions(0);
    try {
      await on('wasm', () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad)))([
          t([...xs], 1),
          t([...ws], 2),
        ]),
      );
    } finally {
      wasmKernelSettings.native = initBackendNative();
    }
    const g = nativeGeometry(tf.backend_util.computeConv2DInfo([...xs], [...ws], s, 1, pad));
    for (const kind of [0, 1, 2]) expect(blas.convImpl(kind, g, 0)).toMatch(/^(jit|brg|gemm)/);
    expect(blas.info().dnnl).toMatch(/^oneDNN \d+\.\d+\.\d+ /);
  });

  it.each([
    // [x, filter, stride, on oneDNN?]: 3x3 from 512 positions with 8x8 maps, 1x1 from 2048 (stride 1) / 4096 (stride 2)
    [[1, 16, 16, 4], [3, 3, 4, 8], 1, false], // 256 positions
    [[2, 16, 16, 4], [3, 3, 4, 8], 1, true], // 512, 16x16 maps
    [[32, 4, 4, 4], [3, 3, 4, 8], 1, false], // 512, 4x4 maps
    [[1, 32, 32, 4], [1, 1, 4, 8], 1, false], // 1x1, 1024
    [[2, 32, 32, 4], [1, 1, 4, 8], 1, true], // 1x1, 2048
    [[8, 32, 32, 4], [1, 1, 4, 8], 2, false], // 1x1 s2, 2048
    [[16, 32, 32, 4], [1, 1, 4, 8], 2, true], // 1x1 s2, 4096
  ] as const)(
    'by default choose oneDNN or OpenBLAS by geometry, with the same values: x %j, filter %j, stride %d',
    async (xs, ws, stride, dnnl) => {
      const blas = onednn?.blas;
      if (!blas) return;
      expect(DEFAULT_DNNL_MIN_POSITIONS).toBe(512);
      const conv = () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'), 0.5)),
        )([t([...xs], 3), t([...ws], 4)]);
      const want = await on('cpu', conv);
      wasmKernelSettings.native = blas;
      blas.setDnnlMinPositions(DEFAULT_DNNL_MIN_POSITIONS);
      try {
        const got = await on('wasm', conv);
        for (let i = 0; i < 2; i++) expect(maxAbsDiff(got[i], want[i])).toBeLessThan(1e-4 * maxAbs(want[i]));
      } finally {
        wasmKernelSettings.native = initBackendNative();
      }
      const g = nativeGeometry(tf.backend_util.computeConv2DInfo([...xs], [...ws], stride, 1, 'same'));
      for (const kind of [0, 1, 2])
        if (dnnl) expect(blas.convImpl(kind, g, 0)).toMatch(/^(jit|brg|gemm)/);
        else expect(blas.convImpl(kind, g, 0)).toBe('');
    },
  );
});

/** Gradients of sum(relu(op(a)·op(b) + bias) * dy) w.r.t. a, b (and bias), op = transpose or not. */
function matMulGrads(transposeA: boolean, transposeB: boolean, bias: boolean): tf.Tensor[] {
  const [m, k, n] = [6, 5, 7];
  const a = t(transposeA ? [k, m] : [m, k], 1);
  const b = t(transposeB ? [n, k] : [k, n], 2);
  const c = t([n], 3);
  const y = (aa: tf.Tensor, bb: tf.Tensor, cc?: tf.Tensor) =>
    tf.fused.matMul({
      a: aa as tf.Tensor2D,
      b: bb as tf.Tensor2D,
      transposeA,
      transposeB,
      bias: cc,
      activation: 'relu',
    });
  const dy = t([m, n], 4);
  return bias
    ? tf.grads((aa: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => tf.sum(tf.mul(y(aa, bb, cc), dy)))([a, b, c])
    : tf.grads((aa: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(y(aa, bb), dy)))([a, b]);
}

describe('fused matMul + bias + relu under a gradient tape', () => {
  it.each([
    [false, false, true],
    [false, true, true],
    [true, false, false],
    [true, true, true],
  ])('gives the cpu backend’s gradients (transposeA %s, transposeB %s, bias %s)', async (ta, tb, bias) => {
    const want = await on('cpu', () => matMulGrads(ta, tb, bias));
    const got = await on('wasm', () => matMulGrads(ta, tb, bias));
    expect(got.length).toBe(bias ? 3 : 2);
    for (let i = 0; i < want.length; i++) {
      expect(maxAbsDiff(got[i], want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(want[i])));
      expect(maxAbs(want[i])).toBeGreaterThan(0.01);
    }
  });

  it('records one _FusedMatMul (no Add, no Relu) on wasm, and leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => {
      tf.dispose(tf.tidy(() => matMulGrads(false, false, true)));
    });
    expect(info.kernelNames).toContain('_FusedMatMul');
    expect(info.kernelNames).not.toContain('Relu');
    expect(info.kernelNames).not.toContain('Add');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains a tf.layers MLP (dense + relu) the same steps on wasm as on cpu', async () => {
    const steps = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const model = tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [13],
            units: 32,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
          }),
          tf.layers.dense({
            units: 16,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }),
          }),
          tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
        ],
      });
      model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
      const x = t([20, 13], 5);
      const y = t([20, 1], 6);
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) losses.push((await model.trainOnBatch(x, y)) as number);
      model.dispose();
      tf.dispose([x, y]);
      await tf.setBackend('wasm');
      return losses;
    };
    const want = await steps('cpu');
    const got = await steps('wasm');
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5 * Math.max(1, want[i]));
    expect(want[3]).toBeLessThan(want[0]);
  });
});

describe('tf.fused.matMul with a bias on wasm', () => {
  // tfjs-backend-wasm 4.22 adds the bias to the wrong elements with a transpose or a batch > 1 (src/wasm/fused-matmul-bias.ts)
  it.each([
    [1, false, false],
    [1, true, false],
    [1, false, true],
    [2, true, true],
    [3, false, false],
  ])('matches the cpu backend: batch %d, transposeA %s, transposeB %s', async (batch, ta, tb) => {
    for (const activation of ['linear', 'relu', 'leakyrelu', 'prelu', 'sigmoid'] as const) {
      const run = () => {
        const a = t([batch, ...(ta ? [5, 6] : [6, 5])], 1) as tf.Tensor3D;
        const b = t([batch, ...(tb ? [7, 5] : [5, 7])], 2) as tf.Tensor3D;
        const bias = tf.mul(t([7], 3), 3); // spread wide enough that a misplaced bias shows
        const preluActivationWeights = activation === 'prelu' ? t([7], 4) : undefined;
        return tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation, preluActivationWeights });
      };
      const [want] = await on('cpu', run);
      const [got] = await on('wasm', run);
      expect(maxAbsDiff(got, want), activation).toBeLessThan(1e-5 * Math.max(1, maxAbs(want)));
    }
  });
});

describe('the ReLU gradient with the bias sum in one pass', () => {
  const builds = loadNativeBuilds(2);
  afterAll(() => {
    for (const { blas } of builds) blas.setThreads(2);
    wasmKernelSettings.native = initBackendNative();
  });
  it('matches reluBackward + a sum over the leading axes, the same bits on one thread or two and in JavaScript', async () => {
    const inputs = () => [t([3, 40, 30, 5], 1), t([3, 40, 30, 5], 2)] as const; // 3,600 rows: 4 chunks
    const [dy0, y0] = inputs();
    const want = await on('cpu', () => {
      const [dy, y] = inputs();
      const d = tf.mul(dy, tf.cast(tf.greater(y, 0), 'float32'));
      return [d, tf.sum(d, [0, 1, 2])];
    });
    tf.dispose([dy0, y0]);
    const runs: Float32Array[][] = [];
    const variants: Array<[string, () => void]> = [['JavaScript', () => (wasmKernelSettings.native = null)]];
    for (const { name, blas } of builds)
      for (const threads of [2, 1])
        variants.push([
          `${name} ${threads} threads`,
          () => {
            blas.setThreads(threads);
            wasmKernelSettings.native = blas;
          },
        ]);
    for (const [, use] of variants) {
      use();
      runs.push(
        await on('wasm', () => {
          const [dy, y] = inputs();
          return reluBackwardWithBiasSum(dy, y);
        }),
      );
    }
    for (const [i, run] of runs.entries()) {
      expect(Array.from(run[0]), variants[i][0]).toEqual(Array.from(want[0])); // dy · step(y) is exact
      expect(maxAbsDiff(run[1], want[1]), variants[i][0]).toBeLessThan(1e-4);
      expect(Buffer.compare(Buffer.from(run[1].buffer), Buffer.from(runs[0][1].buffer)), variants[i][0]).toBe(0);
    }
    expect(maxAbs(want[1])).toBeGreaterThan(1);
  });
});
