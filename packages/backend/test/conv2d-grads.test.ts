/**
 * The wasm Conv2DBackpropFilter / Conv2DBackpropInput kernels against the cpu
 * backend over strides 1/2/3, kernel sizes 1/3/5/7, same/valid padding, batch
 * 1..8, channels up to 64 and odd spatial sizes, few output channels next to many
 * input channels (the native kernels' tap-column GEMMs); and against float64 finite
 * differences of the convolution itself.
 */
import { tf } from '@bmse/backend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wasmKernelSettings } from '../src/wasm/settings.js';
import { initBackendNative, kernelVariants, maxAbs, maxAbsDiff, on, seeded, setupWasm } from './helpers.js';

beforeAll(setupWasm);

interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
}

const shapes: Array<Pick<Case, 'n' | 'h' | 'w' | 'cin' | 'cout'>> = [
  { n: 1, h: 7, w: 9, cin: 1, cout: 1 },
  { n: 3, h: 11, w: 8, cin: 3, cout: 5 },
  { n: 8, h: 9, w: 13, cin: 16, cout: 8 },
  { n: 2, h: 15, w: 15, cin: 64, cout: 32 },
  { n: 5, h: 13, w: 7, cin: 8, cout: 64 },
];

const cases: Case[] = [];
let i = 0;
for (const stride of [1, 2, 3]) {
  for (const k of [1, 3, 5, 7]) {
    for (const pad of ['same', 'valid'] as const) {
      const shape = shapes[i++ % shapes.length];
      if (pad === 'valid' && (k > shape.h || k > shape.w)) continue;
      cases.push({ ...shape, k, stride, pad });
    }
  }
}

/**
 * Few output channels next to many input channels (CO * stride^2 * 4 <= Cin, CO <= 32, k > 1): the
 * native kernels' GEMMs over input positions against all taps (the depth net's MFF 5x5 convolutions
 * to 16 channels, its final 5x5 convolution to 1), at strides 1, 2, 3, odd sizes, same and valid.
 */
const fewOutputCases: Case[] = [
  { n: 2, h: 13, w: 11, cin: 64, cout: 16, k: 5, stride: 1, pad: 'same' },
  { n: 1, h: 9, w: 7, cin: 8, cout: 1, k: 3, stride: 1, pad: 'valid' },
  { n: 3, h: 11, w: 9, cin: 48, cout: 3, k: 5, stride: 2, pad: 'same' },
  { n: 2, h: 10, w: 7, cin: 32, cout: 2, k: 3, stride: 2, pad: 'valid' },
  { n: 2, h: 14, w: 13, cin: 40, cout: 1, k: 5, stride: 3, pad: 'same' },
];

function inputs(c: Case) {
  const x = tf.tensor4d(seeded(c.n * c.h * c.w * c.cin, 1), [c.n, c.h, c.w, c.cin]);
  const filter = tf.tensor4d(seeded(c.k * c.k * c.cin * c.cout, 2), [c.k, c.k, c.cin, c.cout]);
  const outShape = tf.conv2d(x, filter, c.stride, c.pad).shape;
  const dy = tf.tensor4d(
    seeded(
      outShape.reduce((a, b) => a * b),
      3,
    ),
    outShape,
  );
  return { x, filter, dy };
}

/** Gradients of sum(conv2d(x, filter) * dy) with respect to x and filter, through tfjs autograd. */
function grads(c: Case): tf.Tensor[] {
  const { x, filter, dy } = inputs(c);
  const f = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy));
  return tf.grads(f)([x, filter]);
}

const label = (c: Case) => `k${c.k} s${c.stride} ${c.pad} x[${c.n},${c.h},${c.w},${c.cin}] -> ${c.cout}`;

/** Direct float64 convolution, NHWC, explicit top/left padding. */
function conv64(
  x: Float64Array,
  w: Float64Array,
  c: Case,
  oh: number,
  ow: number,
  pt: number,
  pl: number,
): Float64Array {
  const y = new Float64Array(c.n * oh * ow * c.cout);
  for (let n = 0; n < c.n; n++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let kh = 0; kh < c.k; kh++)
          for (let kw = 0; kw < c.k; kw++) {
            const ih = i * c.stride + kh - pt;
            const iw = j * c.stride + kw - pl;
            if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
            for (let ci = 0; ci < c.cin; ci++) {
              const xv = x[((n * c.h + ih) * c.w + iw) * c.cin + ci];
              for (let co = 0; co < c.cout; co++)
                y[((n * oh + i) * ow + j) * c.cout + co] += xv * w[((kh * c.k + kw) * c.cin + ci) * c.cout + co];
            }
          }
  return y;
}

describe.each(kernelVariants())('conv2d gradients on wasm (%s kernels)', (_variant, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });

  it.each(cases.map((c) => [label(c), c] as const))('match the cpu backend: %s', async (_, c) => {
    const [cpuDx, cpuDw] = await on('cpu', () => grads(c));
    const [wasmDx, wasmDw] = await on('wasm', () => grads(c));
    // float32 sums of up to k*k*cin*n*oh*ow terms of size <= 1: relative tolerance on the largest value
    expect(maxAbsDiff(wasmDx, cpuDx)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(cpuDx)));
    expect(maxAbsDiff(wasmDw, cpuDw)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(cpuDw)));
    // not vacuous: the gradients are non-trivial
    expect(maxAbs(cpuDw)).toBeGreaterThan(0.1);
  });

  it.each(fewOutputCases.map((c) => [label(c), c] as const))(
    'few output channels match the cpu backend: %s',
    async (_, c) => {
      const [cpuDx, cpuDw] = await on('cpu', () => grads(c));
      const [wasmDx, wasmDw] = await on('wasm', () => grads(c));
      expect(maxAbsDiff(wasmDx, cpuDx)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(cpuDx)));
      expect(maxAbsDiff(wasmDw, cpuDw)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(cpuDw)));
      expect(maxAbs(cpuDw)).toBeGreaterThan(0.1);
    },
  );

  it('few output channels: forward and gradients in bands of input positions (band edges inside rows and images)', async () => {
    const c: Case = { n: 2, h: 13, w: 11, cin: 64, cout: 16, k: 5, stride: 1, pad: 'same' }; // 286 positions
    const f = () => {
      const { x, filter } = inputs(c);
      return [tf.conv2d(x, filter, c.stride, c.pad), ...grads(c)];
    };
    const ref = await on('cpu', f);
    wasmKernelSettings.native?.setColsBudget(1); // 256 positions per band
    try {
      const got = await on('wasm', f);
      for (let i = 0; i < ref.length; i++)
        expect(maxAbsDiff(got[i], ref[i])).toBeLessThanOrEqual(1e-5 * maxAbs(ref[i]));
    } finally {
      wasmKernelSettings.native?.setColsBudget(1024 * 1024);
    }
  });

  it('compute forward and gradients in batch chunks when the im2col buffer would be too large', async () => {
    const c: Case = { n: 6, h: 9, w: 11, cin: 4, cout: 3, k: 3, stride: 2, pad: 'same' };
    const [cpuDx, cpuDw] = await on('cpu', () => grads(c));
    const budget = 3 * 3 * 4 * 5 * 6 * 2; // two images per chunk
    const saved = wasmKernelSettings.maxColsElements;
    wasmKernelSettings.maxColsElements = budget;
    wasmKernelSettings.native?.setColsBudget(budget);
    try {
      const [wasmDx, wasmDw] = await on('wasm', () => grads(c));
      expect(maxAbsDiff(wasmDx, cpuDx)).toBeLessThanOrEqual(1e-5 * maxAbs(cpuDx));
      expect(maxAbsDiff(wasmDw, cpuDw)).toBeLessThanOrEqual(1e-5 * maxAbs(cpuDw));
    } finally {
      wasmKernelSettings.maxColsElements = saved;
      wasmKernelSettings.native?.setColsBudget(1024 * 1024);
    }
  });

  it('reject NCHW with a clear message', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 2, 5, 5]) as tf.Tensor4D;
    const dy = tf.zeros([1, 3, 5, 5]) as tf.Tensor4D;
    expect(() =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] },
        ),
    ).toThrow(/NHWC/);
  });

  describe('match finite differences', () => {
    const fdCases: Case[] = [
      { n: 2, h: 7, w: 6, cin: 3, cout: 2, k: 3, stride: 2, pad: 'same' },
      { n: 1, h: 7, w: 6, cin: 32, cout: 2, k: 3, stride: 2, pad: 'same' },
      { n: 1, h: 9, w: 9, cin: 2, cout: 3, k: 5, stride: 1, pad: 'valid' },
      { n: 3, h: 8, w: 7, cin: 2, cout: 2, k: 1, stride: 2, pad: 'valid' },
    ];
    it.each(fdCases.map((c) => [label(c), c] as const))('%s', async (_, c) => {
      const info = tf.backend_util.computeConv2DInfo(
        [c.n, c.h, c.w, c.cin],
        [c.k, c.k, c.cin, c.cout],
        c.stride,
        1,
        c.pad,
      );
      const { outHeight: oh, outWidth: ow } = info;
      const { top: pt, left: pl } = info.padInfo;
      const x = Float64Array.from(seeded(c.n * c.h * c.w * c.cin, 1));
      const w = Float64Array.from(seeded(c.k * c.k * c.cin * c.cout, 2));
      const dy = Float64Array.from(seeded(c.n * oh * ow * c.cout, 3));
      const loss = (xx: Float64Array, ww: Float64Array) =>
        conv64(xx, ww, c, oh, ow, pt, pl).reduce((s, v, i) => s + v * dy[i], 0);
      const [dx, dw] = await on('wasm', () => grads(c));
      const eps = 1e-3;
      const check = (param: Float64Array, grad: Float32Array, other: Float64Array, isX: boolean) => {
        for (let i = 0; i < param.length; i += Math.max(1, Math.floor(param.length / 40))) {
          const plus = Float64Array.from(param);
          const minus = Float64Array.from(param);
          plus[i] += eps;
          minus[i] -= eps;
          const fd = isX
            ? (loss(plus, other) - loss(minus, other)) / (2 * eps)
            : (loss(other, plus) - loss(other, minus)) / (2 * eps);
          expect(grad[i]).toBeCloseTo(fd, 4);
        }
      };
      check(x, dx, w, true);
      check(w, dw, x, false);
    });
  });
});
