/**
 * Loads the optional native kernels (built at install by scripts/build-native.mjs):
 * native/build/bmse_blas_dnnl.node — oneDNN direct convolutions (bias and ReLU fused as
 * post-ops, the bias gradient in the filter gradient) in front of the OpenBLAS kernels — when
 * it built and BMSE_NO_DNNL is not 1, else native/build/bmse_blas.node: im2col + OpenBLAS sgemm
 * convolutions. Both work in place on wasm-heap memory. Absent or unloadable: `loadNativeBlas` says why.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeBlas {
  /** y = act(conv(x, w) + bias); act: relu when `relu`, else linear */
  conv2dForward(
    x: Float32Array,
    w: Float32Array,
    y: Float32Array,
    geometry: Int32Array,
    bias?: Float32Array | null,
    relu?: boolean,
  ): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  /** dw, and db = the sum of dy over all positions when `db` is given */
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    geometry: Int32Array,
    db?: Float32Array | null,
  ): void;
  /** geometry as for convolutions, with Cout = Cin and the pool window as the filter */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  /** max pooling over each window's valid positions; geometry as for maxPoolGrad */
  maxPool(x: Float32Array, y: Float32Array, geometry: Int32Array): void;
  /** depthwise-convolution input gradient (dy, filter [KH, KW, C, M] -> dx); geometry as for convolutions with Cout = C·M, dilation 1 */
  depthwiseBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  /** depthwise-convolution filter gradient (x, dy -> dw [KH, KW, C, M]); the same on any thread count */
  depthwiseBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: Int32Array): void;
  setThreads(n: number): void;
  /** elementwise, pooling and batch-norm loops on OpenMP's threads (default; oneDNN build only) or on one;
   * the results are the same either way. Returns the previous setting. Env BMSE_SERIAL_LOOPS=1 at load: off */
  setParallelLoops(on: boolean): boolean;
  /** floats per im2col tile (default 1M = 4 MiB) */
  setColsBudget(floats: number): void;
  /** dnnl: e.g. 'oneDNN 2.6.3 avx512_core' in the oneDNN build, else null */
  info(): { corename: string; config: string; threads: number; dnnl: string | null };
  /** oneDNN convolutions on (default) or off (the OpenBLAS kernels); no-op in the OpenBLAS-only build */
  useDnnl(on: boolean): void;
  /** the fewest output positions (N·OH·OW) a convolution needs to run on oneDNN (default 512, 1x1 kernels
   * 4x/8x that; below it OpenBLAS, faster there); 0: every geometry with a oneDNN JIT kernel. No-op in the
   * OpenBLAS-only build */
  setDnnlMinPositions(positions: number): void;
  /** the oneDNN implementation chosen for a call (kind 0 forward, 1 backprop input, 2 backprop filter;
   * flags 1 bias, 2 relu), '' before its first call, when left to OpenBLAS... or without oneDNN */
  convImpl(kind: number, geometry: Int32Array, flags: number): string;
  /** out[c] = scale * sum over rows of x[row, c]; rows = x.length / out.length */
  sumLeading(x: Float32Array, out: Float32Array, scale: number): void;
  /** y[i, c] = act(y[i, c] + bias[c]) in place */
  biasActivation(y: Float32Array, bias: Float32Array | null, channels: number, relu: boolean): void;
  /** out[i] = op(a[i]) x op(b[i]) with a or b shared when its batch is 1; dims: [batchA, batchB, M, N, K, transA, transB] */
  batchMatMul(a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** dx = dy * (x > 0) */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** dx = dy * (y > 0) and db[c] = Σ over rows of dx[row, c] (db.length channels innermost), in one pass */
  reluGradBias(dy: Float32Array, y: Float32Array, dx: Float32Array, db: Float32Array): void;
  /** y = max(x, 0) */
  relu(x: Float32Array, y: Float32Array): void;
  /** out = a + b (same lengths) */
  add(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out = max(a + b, 0) (same lengths) */
  addRelu(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** acc += x (same lengths) */
  accumulate(acc: Float32Array, x: Float32Array): void;
  /** y[r, c] = act(x[r, c] * scale[c] + shift[c]), act ReLU when `relu`; C = scale.length (inference batch norm) */
  channelAffine(x: Float32Array, scale: Float32Array, shift: Float32Array, y: Float32Array, relu?: boolean): void;
  /** training-mode batch norm over all axes but the last (see src/ops/batch-norm-training.ts) */
  batchNormTrainForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    eps: number,
    /** y = max(·, 0) fused in */
    relu?: boolean,
  ): void;
  /** `reluOut`: the fused ReLU's output y (dy counts where y > 0), or null */
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
    reluOut?: Float32Array | null,
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

export type NativeBlasStatus =
  | {
      ok: true;
      blas: NativeBlas;
      corename: string;
      /** 'oneDNN 2.6.3 avx512_core' when the oneDNN build is in use, else null */
      dnnl: string | null;
      /** why the oneDNN build is not in use (null when it is) */
      dnnlReason: string | null;
    }
  | { ok: false; reason: string };

const buildDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build');
const addonPath = path.join(buildDir, 'bmse_blas.node');
const dnnlAddonPath = path.join(buildDir, 'bmse_blas_dnnl.node');

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
const loaded = new Map<string, NativeBlas>();

function setCoreType(): void {
  if (!process.env.OPENBLAS_CORETYPE) {
    const core = openBlasCoreTypeFor(cpuFlags());
    if (core) process.env.OPENBLAS_CORETYPE = core;
  }
}

/**
 * Output positions (N·OH·OW) from which a convolution runs on oneDNN rather than OpenBLAS: a 3x3/5x5/7x7
 * convolution from 512 when its output maps are at least 8x8, a 1x1 one from 4x as many (8x when
 * strided). Below that im2col + OpenBLAS ties or wins (ResNet-18's 4x4 and 2x2 layers, ResNet-50's and
 * the depth net's deepest 1x1s; per geometry: scripts/bench/conv-geometries.ts; the rule: dn_wants in
 * native/bmse_blas.c). Env BMSE_DNNL_MIN_POSITIONS overrides; 0: every geometry on oneDNN.
 */
export const DEFAULT_DNNL_MIN_POSITIONS = 512;

export function dnnlMinPositions(): number {
  const env = process.env.BMSE_DNNL_MIN_POSITIONS;
  if (env == null || env === '') return DEFAULT_DNNL_MIN_POSITIONS;
  if (!/^\d+$/.test(env))
    throw new Error(`BMSE_DNNL_MIN_POSITIONS must be a whole number of output positions, got '${env}'`);
  return Number(env);
}

/** Loads one build of the addon (once per process) with `threads` for OpenBLAS and oneDNN. */
function loadAddon(file: string, threads: number): NativeBlas {
  let blas = loaded.get(file);
  if (!blas) {
    setCoreType();
    // oneDNN's OpenMP threads sleep between kernels instead of spinning: they share the cores with
    // XNNPACK's threads (and, on a busy machine, other processes); spinning made steps 2-3x slower on
    // the 2-core VM. libgomp reads this when the addon loads it; the user's own setting wins.
    if (!process.env.OMP_WAIT_POLICY) process.env.OMP_WAIT_POLICY = 'passive';
    // Likewise OpenBLAS' threads, which spin ~0.1 s after each call by default: next to oneDNN's and
    // XNNPACK's threads that made Adam's update (and the convolutions after an OpenBLAS one) ~25% slower
    // in ResNet-18 steps here. 2^4 cycles: they sleep at once. OpenBLAS reads it when the addon loads it.
    if (!process.env.OPENBLAS_THREAD_TIMEOUT) process.env.OPENBLAS_THREAD_TIMEOUT = '4';
    blas = createRequire(import.meta.url)(file) as NativeBlas;
    blas.setDnnlMinPositions(dnnlMinPositions());
    loaded.set(file, blas);
  }
  blas.setThreads(threads);
  return blas;
}

export function loadNativeBlas(threads: number): NativeBlasStatus {
  if (status) return status;
  if (process.env.BMSE_NO_NATIVE === '1') {
    status = { ok: false, reason: 'disabled by BMSE_NO_NATIVE=1' };
    return status;
  }
  let dnnlReason: string | null = null;
  if (process.env.BMSE_NO_DNNL === '1') dnnlReason = 'disabled by BMSE_NO_DNNL=1';
  else if (!fs.existsSync(dnnlAddonPath))
    dnnlReason = 'not built (needs oneDNN: apt install libdnnl-dev, then pnpm install)';
  else {
    try {
      const blas = loadAddon(dnnlAddonPath, threads);
      const info = blas.info();
      status = { ok: true, blas, corename: info.corename, dnnl: info.dnnl, dnnlReason: null };
      return status;
    } catch (err) {
      dnnlReason = `failed to load: ${(err as Error).message}`;
    }
  }
  if (!fs.existsSync(addonPath)) {
    status = {
      ok: false,
      reason: 'not built (needs a C compiler and OpenBLAS: apt install libopenblas-dev, then pnpm install)',
    };
  } else {
    try {
      const blas = loadAddon(addonPath, threads);
      status = { ok: true, blas, corename: blas.info().corename, dnnl: null, dnnlReason };
    } catch (err) {
      status = { ok: false, reason: `failed to load: ${(err as Error).message}` };
    }
  }
  return status;
}

/**
 * Every native build present, for tests of each path: 'openblas' (bmse_blas.node) and 'onednn'
 * (bmse_blas_dnnl.node), whatever the environment switches say.
 */
export function loadNativeBuilds(threads: number): Array<{ name: 'openblas' | 'onednn'; blas: NativeBlas }> {
  const out: Array<{ name: 'openblas' | 'onednn'; blas: NativeBlas }> = [];
  for (const [name, file] of [
    ['openblas', addonPath],
    ['onednn', dnnlAddonPath],
  ] as const) {
    if (!fs.existsSync(file)) continue;
    try {
      out.push({ name, blas: loadAddon(file, threads) });
    } catch {
      // unloadable: loadNativeBlas reports why
    }
  }
  return out;
}

/** One line: the native convolution kernels in use, e.g. 'oneDNN 2.6.3 avx512_core + OpenBLAS SkylakeX'. */
export function describeNative(s: NativeBlasStatus): string {
  if (!s.ok) return s.reason;
  return s.dnnl ? `${s.dnnl} + OpenBLAS ${s.corename}` : `OpenBLAS ${s.corename} (oneDNN: ${s.dnnlReason})`;
}
