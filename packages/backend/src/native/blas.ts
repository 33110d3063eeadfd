/**
 * Loads the optional native kernels (native/build/bmse_blas.node, built at install
 * by scripts/build-native.mjs): im2col + OpenBLAS sgemm convolutions that work
 * in place on wasm-heap memory. Absent or unloadable: `loadNativeBlas` says why.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeBlas {
  conv2dForward(x: Float32Array, w: Float32Array, y: Float32Array, geometry: Int32Array): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: Int32Array): void;
  /** geometry as for convolutions, with Cout = Cin and the pool window as the filter */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  setThreads(n: number): void;
  /** floats per im2col tile (default 1M = 4 MiB) */
  setColsBudget(floats: number): void;
  info(): { corename: string; config: string; threads: number };
  /** out[c] = scale * sum over rows of x[row, c]; rows = x.length / out.length */
  sumLeading(x: Float32Array, out: Float32Array, scale: number): void;
  /** y[i, c] = act(y[i, c] + bias[c]) in place */
  biasActivation(y: Float32Array, bias: Float32Array | null, channels: number, relu: boolean): void;
  /** out[i] = op(a[i]) x op(b[i]) with a or b shared when its batch is 1; dims: [batchA, batchB, M, N, K, transA, transB] */
  batchMatMul(a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** dx = dy * (x > 0) */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** training-mode batch norm over all axes but the last (see src/ops/batch-norm-training.ts) */
  batchNormTrainForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    eps: number,
  ): void;
  batchNormTrainBackward(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    eps: number,
  ): void;
  /** attrs: [lr, beta1, beta2, eps, weightDecay, bias1, bias2] */
  adamUpdate(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    p1: Float32Array,
    m1: Float32Array,
    v1: Float32Array,
    attrs: Float64Array,
  ): void;
}

export type NativeBlasStatus = { ok: true; blas: NativeBlas; corename: string } | { ok: false; reason: string };

const addonPath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'native',
  'build',
  'bmse_blas.node',
);

/**
 * OpenBLAS picks its kernels from the CPU model, and on virtual CPUs that report a
 * generic model it falls back to SSE3 code ~4x slower than the AVX-512 kernels the
 * CPU supports. Choose the core type from the CPU's feature flags unless the user did.
 */
export function openBlasCoreTypeFor(cpuFlags: Set<string>): string | null {
  if (['avx512f', 'avx512vl', 'avx512bw', 'avx512dq', 'avx512cd'].every((f) => cpuFlags.has(f))) return 'SkylakeX';
  if (cpuFlags.has('avx2') && cpuFlags.has('fma')) return 'Haswell';
  return null;
}

function cpuFlags(): Set<string> {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('flags'));
    return new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

let status: NativeBlasStatus | null = null;

export function loadNativeBlas(threads: number): NativeBlasStatus {
  if (status) return status;
  if (process.env.BMSE_NO_NATIVE === '1') {
    status = { ok: false, reason: 'disabled by BMSE_NO_NATIVE=1' };
  } else if (!fs.existsSync(addonPath)) {
    status = {
      ok: false,
      reason: 'not built (needs a C compiler and OpenBLAS: apt install libopenblas-dev, then pnpm install)',
    };
  } else {
    if (!process.env.OPENBLAS_CORETYPE) {
      const core = openBlasCoreTypeFor(cpuFlags());
      if (core) process.env.OPENBLAS_CORETYPE = core;
    }
    try {
      const blas = createRequire(import.meta.url)(addonPath) as NativeBlas;
      blas.setThreads(threads);
      status = { ok: true, blas, corename: blas.info().corename };
    } catch (err) {
      status = { ok: false, reason: `failed to load: ${(err as Error).message}` };
    }
  }
  return status;
}
