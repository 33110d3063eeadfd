/**
 * `initBackend(pref)`: picks and initialises the tfjs backend of the process.
 * `auto` tries, in order, @tensorflow/tfjs-node-gpu (CUDA), webgpu (Dawn; only on a hardware
 * GPU adapter), @tensorflow/tfjs-node, wasm (with this project's training kernels and XNNPACK
 * threads), then cpu, and reports why each earlier choice was skipped.
 */
import os from 'node:os';
import { registerMeanGrad } from './mean-grad.js';
import { describeNative, loadNativeBlas } from './native/blas.js';
import { registerAddReluKernels } from './ops/add-relu.js';
import { registerBatchNormInferenceKernels } from './ops/batch-norm-inference.js';
import { registerBatchNormTrainingKernels } from './ops/batch-norm-training.js';
import { registerAdamUpdateKernels } from './optim/adam-update.js';
import { registerReluGrad } from './relu-grad.js';
import { tf } from './tf.js';
import { keepFusionUnderGradients } from './wasm/fused-under-grad.js';
import { guardWasmMalloc, type WasmModuleHeap } from './wasm/heap.js';
import { registerWasmTrainingKernels } from './wasm/register-training-kernels.js';
import { wasmKernelSettings } from './wasm/settings.js';
import { releaseIdleWasmWorkers, unrefWasmWorkers, withWasmThreads } from './wasm/threads.js';
import { describeAdapter, mayHaveGpu, probeWebGpu, startWebGpu, type WebGpuAdapter } from './webgpu.js';

export type BackendPreference = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const backendPreferences: readonly BackendPreference[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/** A backend that was tried and not chosen. */
export interface SkippedBackend {
  /** npm package or tfjs backend name */
  candidate: '@tensorflow/tfjs-node-gpu' | 'webgpu' | '@tensorflow/tfjs-node' | 'wasm' | 'cpu';
  reason: string;
}

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow' (tfjs-node / tfjs-node-gpu), 'webgpu', 'wasm' or 'cpu' */
  backend: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  /** the package that provides it */
  package:
    | '@tensorflow/tfjs-node-gpu'
    | '@tensorflow/tfjs-node'
    | '@tensorflow/tfjs-backend-webgpu'
    | '@tensorflow/tfjs-backend-wasm'
    | '@tensorflow/tfjs-backend-cpu';
  /** 'cuda' (tfjs-node-gpu) or 'gpu' (webgpu, hardware adapter) when a GPU does the work, otherwise 'cpu' */
  device: 'cuda' | 'gpu' | 'cpu';
  gpu: boolean;
  /** webgpu only: the adapter in use (a software one, e.g. SwiftShader, when asked for explicitly); else null */
  adapter: WebGpuAdapter | null;
  /** compute threads (wasm: XNNPACK pool size; others: null, the native library decides) */
  threads: number | null;
  /** wasm only: SIMD binary in use */
  simd: boolean | null;
  /** kernels this project registered for the chosen backend */
  kernels: string[];
  /**
   * wasm only: the native convolution kernels on wasm memory — oneDNN direct convolutions in front of
   * im2col + OpenBLAS sgemm, e.g. 'oneDNN 2.6.3 avx512_core + OpenBLAS SkylakeX', or OpenBLAS alone
   * ('OpenBLAS SkylakeX (oneDNN: why not)') — or why none are in use; null for other backends
   */
  nativeConv: { active: boolean; detail: string } | null;
  /** the earlier choices of the preference order, and why each was not taken */
  skipped: SkippedBackend[];
  tfjsVersion: string;
}

export interface InitBackendOptions {
  /** wasm thread pool size; default: the machine's available parallelism (env BMSE_WASM_THREADS overrides) */
  threads?: number;
  /** wasm: use the native oneDNN/OpenBLAS convolution kernels when built (default true; env BMSE_NO_NATIVE=1
   * disables them, BMSE_NO_DNNL=1 only oneDNN) */
  native?: boolean;
}

let current: BackendInfo | null = null;

/** The BackendInfo of the last successful `initBackend`, or null. */
export function backendInfo(): BackendInfo | null {
  return current;
}

function defaultThreads(): number {
  const fromEnv = Number(process.env.BMSE_WASM_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function isNotInstalled(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(pkg)
  );
}

/** Loads a native tfjs-node package; returns the reason it can't be used, or null when 'tensorflow' is now the backend. */
async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | null> {
  try {
    await import(/* @vite-ignore */ pkg as string);
  } catch (err) {
    if (isNotInstalled(err, pkg)) return 'not installed';
    return `failed to load: ${(err as Error).message ?? String(err)}`;
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return (
      `loaded, but it registered its backend on another copy of @tensorflow/tfjs-core; ` +
      `install the version matching @tensorflow/tfjs ${tf.version.tfjs} (pnpm add -w ${pkg}@${tf.version.tfjs})`
    );
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return 'failed to initialise the tensorflow backend';
  } catch (err) {
    return `failed to initialise: ${(err as Error).message}`;
  }
  return null;
}

/** The BackendInfo fields a backend without wasm details or an adapter fills the same way. */
function noDetails(skipped: SkippedBackend[]) {
  return {
    adapter: null,
    threads: null,
    simd: null,
    kernels: [],
    nativeConv: null,
    skipped,
    tfjsVersion: tf.version.tfjs,
  };
}

function nativeInfo(
  pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node',
  skipped: SkippedBackend[],
): BackendInfo {
  const usingGpu = Boolean((tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
  return {
    backend: 'tensorflow',
    package: pkg,
    device: usingGpu ? 'cuda' : 'cpu',
    gpu: usingGpu,
    ...noDetails(skipped),
  };
}

async function initWasm(threads: number, native: boolean, skipped: SkippedBackend[]): Promise<BackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const kernels = registerWasmTrainingKernels();
  keepFusionUnderGradients();
  wasm.setThreadsCount(threads);
  const start = () => tf.setBackend('wasm');
  const ok = threads > 1 ? await withWasmThreads(threads, start) : await start();
  if (!ok) throw new Error('the wasm backend failed to initialise');
  const backend = tf.backend() as unknown as { wasm: WasmModuleHeap };
  unrefWasmWorkers(backend.wasm);
  releaseIdleWasmWorkers(backend.wasm);
  guardWasmMalloc(backend.wasm);
  const blas = native ? loadNativeBlas(threads) : ({ ok: false, reason: 'disabled by option native: false' } as const);
  wasmKernelSettings.native = blas.ok ? blas.blas : null;
  return {
    backend: 'wasm',
    package: '@tensorflow/tfjs-backend-wasm',
    device: 'cpu',
    gpu: false,
    adapter: null,
    threads: wasm.getThreadsCount(),
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    kernels,
    nativeConv: { active: blas.ok, detail: describeNative(blas) },
    skipped,
    tfjsVersion: tf.version.tfjs,
  };
}

/** webgpu on the probed adapter; in `auto`, only a hardware one (returns the reason to skip, or the info). */
async function tryWebGpu(auto: boolean, skipped: SkippedBackend[]): Promise<BackendInfo | string> {
  const probe = await probeWebGpu();
  if (!probe.ok) return probe.reason;
  const { adapter } = probe;
  if (auto && adapter.software) {
    return `only a software adapter (${describeAdapter(adapter)}) — slower than wasm; initBackend('webgpu') uses it anyway`;
  }
  try {
    await startWebGpu();
  } catch (err) {
    return `failed to initialise on ${describeAdapter(adapter)}: ${(err as Error).message}`;
  }
  return {
    backend: 'webgpu',
    package: '@tensorflow/tfjs-backend-webgpu',
    device: adapter.software ? 'cpu' : 'gpu',
    gpu: !adapter.software,
    ...noDetails(skipped),
    adapter,
  };
}

async function initCpu(skipped: SkippedBackend[]): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  return {
    backend: 'cpu',
    package: '@tensorflow/tfjs-backend-cpu',
    device: 'cpu',
    gpu: false,
    ...noDetails(skipped),
    threads: 1,
  };
}

/**
 * Picks and initialises the tfjs backend (see the file comment). Call once per
 * process, before building models; calling again with the backend already
 * chosen returns the same info.
 */
export async function initBackend(
  pref: BackendPreference = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  if (!backendPreferences.includes(pref)) {
    throw new Error(`unknown backend '${String(pref)}'; allowed: ${backendPreferences.join(', ')}`);
  }
  if (current && (pref === 'auto' || pref === current.backend)) return current;
  if (current) {
    throw new Error(
      `the ${current.backend} backend is already initialised in this process; cannot switch to '${pref}' ` +
        '(one backend per process: tensors and variables live in it)',
    );
  }
  registerAdamUpdateKernels();
  registerBatchNormTrainingKernels();
  registerBatchNormInferenceKernels();
  registerAddReluKernels();
  registerReluGrad();
  registerMeanGrad();
  const skipped: SkippedBackend[] = [];
  const threads = options.threads ?? defaultThreads();

  if (pref === 'auto' || pref === 'tensorflow') {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', 'webgpu', '@tensorflow/tfjs-node'] as const) {
      if (pkg === 'webgpu') {
        if (pref === 'tensorflow') continue;
        const gpu = mayHaveGpu();
        const got = gpu.yes ? await tryWebGpu(true, skipped) : gpu.reason;
        if (typeof got !== 'string') {
          current = got;
          return current;
        }
        skipped.push({ candidate: pkg, reason: got });
        continue;
      }
      const reason = await tryNative(pkg);
      if (reason == null) {
        current = nativeInfo(pkg, skipped);
        return current;
      }
      skipped.push({ candidate: pkg, reason });
    }
    if (pref === 'tensorflow') {
      throw new Error(
        `backend 'tensorflow' requested but no native tfjs package is usable: ${skipped
          .map((s) => `${s.candidate}: ${s.reason}`)
          .join('; ')}. See README, "GPU".`,
      );
    }
  }
  if (pref === 'webgpu') {
    const got = await tryWebGpu(false, skipped);
    if (typeof got === 'string')
      throw new Error(`backend 'webgpu' requested but not usable: ${got}. See README, "GPU".`);
    current = got;
    return current;
  }
  if (pref === 'auto' || pref === 'wasm') {
    try {
      current = await initWasm(threads, options.native ?? true, skipped);
      return current;
    } catch (err) {
      if (pref === 'wasm') throw err;
      skipped.push({ candidate: 'wasm', reason: `failed to initialise: ${(err as Error).message}` });
    }
  }
  current = await initCpu(skipped);
  return current;
}

/** One line for logs: "wasm (cpu, 2 threads, SIMD); skipped: tfjs-node-gpu: not installed, ..." */
export function describeBackend(info: BackendInfo): string {
  const detail =
    info.backend === 'wasm'
      ? `${info.device}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${info.simd ? ', SIMD' : ''}, ` +
        `native conv: ${info.nativeConv?.detail ?? 'none'}`
      : info.adapter
        ? `${info.device}, ${describeAdapter(info.adapter)}`
        : info.device;
  const skipped = info.skipped.map((s) => `${s.candidate}: ${s.reason}`).join('; ');
  return `${info.backend} (${detail})${skipped ? `; skipped ${skipped}` : ''}`;
}
