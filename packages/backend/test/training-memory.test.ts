/**
 * Memory of training steps: `leanVariableGrads` gives tf.variableGrads' gradients bit for bit
 * with a lower peak and no leaks; FusedAdam updates parameters and moments in place on wasm
 * (buffers stay put, cached XNNPACK weights are refreshed, shared memory is respected) and
 * allocates the moments before the first step; running averages are updated in place with tfjs'
 * numbers; a wasm allocation that cannot succeed throws.
 */
import { batchNormTraining, FusedAdam, leanVariableGrads, tf, updateRunningAverage } from '@bmse/backend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WasmModuleHeap } from '../src/wasm/heap.js';
import { wasmKernelSettings } from '../src/wasm/settings.js';
import { initBackendNative, kernelVariants, maxAbs, maxAbsDiff, on, seeded, setupWasm } from './helpers.js';

beforeAll(setupWasm);

let uid = 0;
/** A variable that owns its memory (tf.variable(t) would leave t sharing it). */
function variable(values: Float32Array, shape: number[], trainable = true): tf.Variable {
  const t = tf.tensor(values, shape);
  const v = tf.variable(t, trainable, `tm${uid++}`);
  t.dispose();
  return v;
}

/** A customGrad op that hands back dy itself as the gradient (lean backprop must not release it twice). */
const passThrough = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.mul(x, 1), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => dy as tf.Tensor };
}) as (x: tf.Tensor) => tf.Tensor;

/** Variables and loss of a small net using every kind of tape node the backprop handles. */
function mixedProblem() {
  const w1 = variable(
    seeded(3 * 3 * 3 * 8, 1).map((v) => v * 0.3),
    [3, 3, 3, 8],
  );
  const gamma = variable(
    seeded(8, 2).map((v) => 1 + 0.1 * v),
    [8],
  );
  const beta = variable(
    seeded(8, 3).map((v) => 0.1 * v),
    [8],
  );
  const w2 = variable(
    seeded(3 * 3 * 8 * 8, 4).map((v) => v * 0.2),
    [3, 3, 8, 8],
  );
  const wd = variable(seeded(8 * 2, 5), [8, 2]);
  const bias = variable(seeded(2, 6), [2]);
  const unused = variable(seeded(4, 7), [4]);
  const x = tf.tensor4d(seeded(2 * 9 * 7 * 3, 8), [2, 9, 7, 3]);
  const y = tf.tensor2d(seeded(4, 9), [2, 2]);
  const f = () => {
    const bn = batchNormTraining(
      tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'),
      gamma as tf.Tensor1D,
      beta as tf.Tensor1D,
    );
    tf.dispose([bn.mean, bn.variance]); // kept statistics: the caller's to dispose
    const h = tf.relu(bn.y) as tf.Tensor4D;
    // residual sum, then a split with one output unused (its gradient is zeros)
    const r = tf.relu(tf.add(tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same'), tf.avgPool(h, 2, 2, 'same')));
    const [a] = tf.split(r, 2, 3);
    const c = tf.concat([a, passThrough(a)], 3);
    const pooled = tf.mean(c, [1, 2]);
    // broadcast add; `bias` used twice (accumulated gradient)
    const out = tf.add(tf.matMul(pooled, wd), tf.mul(bias, bias));
    return tf.losses.meanSquaredError(y, tf.sigmoid(out)) as tf.Scalar;
  };
  return {
    vars: [w1, gamma, beta, w2, wd, bias, unused],
    f,
    dispose: () => tf.dispose([w1, gamma, beta, w2, wd, bias, unused, x, y]),
  };
}

async function gradsWith(
  backend: 'cpu' | 'wasm',
  lean: boolean,
): Promise<{ loss: number; grads: (Float32Array | null)[] }> {
  await tf.setBackend(backend);
  const p = mixedProblem();
  try {
    const run = lean ? leanVariableGrads : tf.variableGrads;
    const { value, grads } = run(p.f, p.vars);
    const loss = (await value.data())[0];
    const out = await Promise.all(
      p.vars.map((v) => (grads[v.name] ? (grads[v.name].data() as Promise<Float32Array>) : null)),
    );
    tf.dispose([value, ...Object.values(grads).filter((g) => g != null)]);
    return { loss, grads: out };
  } finally {
    p.dispose();
    await tf.setBackend('wasm');
  }
}

describe.each(kernelVariants())('leanVariableGrads on wasm (%s kernels)', (_name, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });

  it('gives tf.variableGrads’ loss and gradients bit for bit, and null for an unused variable', async () => {
    const ref = await gradsWith('wasm', false);
    const got = await gradsWith('wasm', true);
    expect(got.loss).toBe(ref.loss);
    expect(got.grads.length).toBe(ref.grads.length);
    for (let i = 0; i < ref.grads.length; i++) {
      if (ref.grads[i] == null) expect(got.grads[i]).toBeNull();
      else expect(Array.from(got.grads[i] as Float32Array)).toEqual(Array.from(ref.grads[i] as Float32Array));
    }
    expect(got.grads.at(-1)).toBeNull(); // `unused`
    // and agrees with the cpu backend
    const cpu = await gradsWith('cpu', true);
    for (let i = 0; i < cpu.grads.length - 1; i++) {
      const c = cpu.grads[i] as Float32Array;
      expect(maxAbsDiff(got.grads[i] as Float32Array, c)).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(c)));
    }
  });

  it('leaks no tensors and clears the tape', async () => {
    await tf.setBackend('wasm');
    const p = mixedProblem();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = leanVariableGrads(p.f, p.vars);
      tf.dispose([value, ...Object.values(grads).filter((g) => g != null)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape).toBeNull();
    p.dispose();
  });
});

describe('leanVariableGrads on cpu', () => {
  it('gives tf.variableGrads’ gradients bit for bit', async () => {
    const ref = await gradsWith('cpu', false);
    const got = await gradsWith('cpu', true);
    expect(got.loss).toBe(ref.loss);
    for (let i = 0; i < ref.grads.length; i++) {
      expect(got.grads[i] == null ? null : Array.from(got.grads[i] as Float32Array)).toEqual(
        ref.grads[i] == null ? null : Array.from(ref.grads[i] as Float32Array),
      );
    }
  });

  it('falls back to tf.variableGrads inside a recording tape (higher-order gradients)', async () => {
    await tf.setBackend('cpu');
    const w = variable(Float32Array.of(0.5, -1.5), [2]);
    const xs = tf.tensor1d([2, 3]);
    // d/dx of sum(dL/dw) with L = sum((x*w)^3)/3: dL/dw = x^3 w^2, its x-derivative 3 x^2 w^2
    const outer = tf.grad((x: tf.Tensor) => {
      const { value, grads } = leanVariableGrads(() => tf.div(tf.sum(tf.pow(tf.mul(x, w), 3)), 3) as tf.Scalar, [w]);
      value.dispose();
      return tf.sum(grads[w.name]);
    });
    const g = await outer(xs).data();
    expect(Array.from(g)).toEqual([3 * 4 * 0.25, 3 * 9 * 2.25].map(Math.fround));
    tf.dispose([w, xs]);
    await tf.setBackend('wasm');
  });
});

/** Live and peak bytes malloc'd in the wasm heap while `fn` runs. */
function heapPeak(fn: () => void): number {
  const wasm = (tf.backend() as unknown as { wasm: WasmModuleHeap }).wasm;
  const malloc = wasm._malloc;
  const free = wasm._free;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  wasm._malloc = (n: number) => {
    const p = malloc(n);
    sizes.set(p, n);
    live += n;
    peak = Math.max(peak, live);
    return p;
  };
  wasm._free = (p: number) => {
    live -= sizes.get(p) ?? 0;
    sizes.delete(p);
    free(p);
  };
  try {
    fn();
  } finally {
    wasm._malloc = malloc;
    wasm._free = free;
  }
  return peak;
}

describe('memory of a training step on wasm', () => {
  it('lean backprop peaks well below tfjs-core’s on a conv-BN-ReLU chain', async () => {
    await tf.setBackend('wasm');
    const depth = 8;
    const filters = Array.from({ length: depth }, (_, i) =>
      variable(
        seeded(3 * 3 * 16 * 16, 20 + i).map((v) => v * 0.15),
        [3, 3, 16, 16],
      ),
    );
    const x = tf.tensor4d(seeded(4 * 32 * 32 * 16, 3), [4, 32, 32, 16]);
    const f = () => {
      let h: tf.Tensor = x;
      for (const w of filters) {
        const bn = batchNormTraining(
          tf.conv2d(h as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
          tf.ones([16]),
          tf.zeros([16]),
        );
        tf.dispose([bn.mean, bn.variance]);
        h = tf.relu(bn.y);
      }
      return tf.mean(tf.square(h)) as tf.Scalar;
    };
    const peakOf = (run: typeof leanVariableGrads) =>
      heapPeak(() => {
        const { value, grads } = run(f, filters);
        tf.dispose([value, ...Object.values(grads)]);
      });
    const tfjs = peakOf(tf.variableGrads);
    const lean = peakOf(leanVariableGrads);
    const activation = 4 * 32 * 32 * 16 * 4;
    // tfjs-core keeps all activations' gradients besides the saved activations; here at most a few are alive
    expect(lean).toBeLessThan(0.7 * tfjs);
    expect(tfjs - lean).toBeGreaterThan(depth * activation);
    tf.dispose([...filters, x]);
  });
});

/** A conv + dense net; on XNNPACK both cache packed copies of their weights under the weight tensor's id. */
function convDense() {
  const w = variable(
    seeded(3 * 3 * 2 * 4, 11).map((v) => 0.4 * v),
    [3, 3, 2, 4],
  );
  const d = variable(seeded(4 * 3, 12), [4, 3]);
  const x = tf.tensor4d(seeded(3 * 6 * 6 * 2, 13), [3, 6, 6, 2]);
  const y = tf.tensor2d(seeded(9, 14), [3, 3]);
  const f = () =>
    tf.losses.meanSquaredError(
      y,
      tf.matMul(tf.mean(tf.relu(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')), [1, 2]), d),
    ) as tf.Scalar;
  return { w, d, f, dispose: () => tf.dispose([w, d, x, y]) };
}

async function trainConvDense(backend: 'cpu' | 'wasm', steps: number): Promise<{ losses: number[]; w: Float32Array }> {
  await tf.setBackend(backend);
  const net = convDense();
  const opt = new FusedAdam({ learningRate: 0.05 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(net.f, true, [net.w, net.d]) as tf.Scalar;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  const w = (await net.w.data()) as Float32Array;
  opt.dispose();
  net.dispose();
  await tf.setBackend('wasm');
  return { losses, w };
}

type WasmInternals = { getMemoryOffset(dataId: object): number; refCount(dataId: object): number };

describe.each(kernelVariants())('FusedAdam in place on wasm (%s kernels)', (_name, native) => {
  beforeEach(() => {
    wasmKernelSettings.native = native();
  });
  afterAll(() => {
    wasmKernelSettings.native = initBackendNative();
  });

  it('trains like the cpu backend (no stale cached weights after in-place updates)', async () => {
    const cpu = await trainConvDense('cpu', 4);
    const wasm = await trainConvDense('wasm', 4);
    for (let i = 0; i < 4; i++)
      expect(Math.abs(wasm.losses[i] - cpu.losses[i])).toBeLessThan(1e-5 * Math.max(1, cpu.losses[i]));
    expect(maxAbsDiff(wasm.w, cpu.w)).toBeLessThan(1e-5);
    expect(cpu.losses[3]).toBeLessThan(cpu.losses[0]);
  });

  it('keeps parameters and moments in the same heap memory from step to step', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as WasmInternals;
    const net = convDense();
    const opt = new FusedAdam({ learningRate: 0.05 });
    opt.minimize(net.f, false, [net.w, net.d]);
    const where = async () =>
      [net.w, net.d, ...(await opt.getWeights()).slice(1).map((s) => s.tensor)].map((t) =>
        backend.getMemoryOffset(t.dataId),
      );
    const first = await where();
    const w1 = Array.from(await net.w.data());
    opt.minimize(net.f, false, [net.w, net.d]);
    opt.minimize(net.f, false, [net.w, net.d]);
    expect(await where()).toEqual(first);
    expect(maxAbsDiff(await net.w.data(), w1)).toBeGreaterThan(1e-3); // it did change
    opt.dispose();
    net.dispose();
  });

  it('leaves a tensor that shares a parameter’s memory untouched', async () => {
    await tf.setBackend('wasm');
    const net = convDense();
    const opt = new FusedAdam({ learningRate: 0.05 });
    opt.minimize(net.f, false, [net.w, net.d]);
    const snapshot = net.w.clone(); // shares the memory (copy-free Identity)
    const backend = tf.backend() as unknown as WasmInternals;
    expect(backend.refCount(net.w.dataId)).toBe(2);
    const before = Array.from(await snapshot.data());
    opt.minimize(net.f, false, [net.w, net.d]);
    expect(Array.from(await snapshot.data())).toEqual(before);
    expect(maxAbsDiff(await net.w.data(), before)).toBeGreaterThan(1e-3);
    snapshot.dispose();
    opt.dispose();
    net.dispose();
  });
});

describe('FusedAdam moments', () => {
  it('are allocated before the first step for varList, and dropped again for variables without a gradient', async () => {
    await tf.setBackend('wasm');
    const net = convDense();
    const idle = variable(seeded(5, 1), [5]);
    const frozen = variable(seeded(5, 2), [5], false);
    const opt = new FusedAdam({ learningRate: 0.05 });
    const before = tf.memory().numTensors;
    opt.minimize(net.f, false, [net.w, idle, net.d, frozen]);
    const weights = await opt.getWeights();
    const names = weights.map((w) => w.name);
    weights[0].tensor.dispose(); // the step count, a new scalar
    expect(names).toEqual(['iter', `${net.w.name}/m`, `${net.w.name}/v`, `${net.d.name}/m`, `${net.d.name}/v`]);
    expect(tf.memory().numTensors).toBe(before + 4);
    opt.dispose();
    tf.dispose([idle, frozen]);
    net.dispose();
  });
});

describe('updateRunningAverage', () => {
  const start = seeded(37, 31);
  const batch = seeded(37, 32).map((v) => v + 1.5);
  /** the composed tfjs ops the in-place update replaces */
  const composed = (scale: number) => () =>
    tf.add(tf.mul(tf.tensor1d(start), 0.9), tf.mul(tf.mul(tf.tensor1d(batch), scale), 0.1));

  it.each([1, 50 / 49])('on wasm writes tfjs’ numbers into the variable’s own memory (scale %s)', async (scale) => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as WasmInternals;
    const v = variable(start, [37], false);
    const b = tf.tensor1d(batch);
    const where = backend.getMemoryOffset(v.dataId);
    updateRunningAverage(v, b, 0.1, scale);
    expect(backend.getMemoryOffset(v.dataId)).toBe(where);
    const [wasmRef] = await on('wasm', composed(scale));
    const [cpuRef] = await on('cpu', composed(scale));
    const got = Array.from(await v.data());
    expect(got).toEqual(Array.from(wasmRef));
    expect(got).toEqual(Array.from(cpuRef));
    tf.dispose([v, b]);
  });

  it('assigns a new value when the memory is shared, and on cpu', async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      await tf.setBackend(backend);
      const v = variable(start, [37], false);
      const snapshot = v.clone();
      const b = tf.tensor1d(batch);
      updateRunningAverage(v, b, 0.1, 2);
      expect(Array.from(await snapshot.data())).toEqual(Array.from(start));
      const [ref] = await on(backend, composed(2));
      expect(Array.from(await v.data())).toEqual(Array.from(ref));
      tf.dispose([v, b, snapshot]);
    }
    await tf.setBackend('wasm');
  });
});

describe('the wasm heap guard', () => {
  it('turns an allocation the 4 GiB heap cannot hold into an error', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo };
    expect(() => backend.makeOutput([2 ** 30 - 1], 'float32')).toThrow(
      /wasm heap exhausted: allocating 4096 MiB failed/,
    );
    // sizes past 32 bits must not wrap around to small allocations
    expect(() => backend.makeOutput([2 ** 30 + 2 ** 20], 'float32')).toThrow(/wasm heap exhausted/);
    const ok = tf.ones([4]);
    expect(Array.from(await ok.data())).toEqual([1, 1, 1, 1]);
    ok.dispose();
  });
});
