/**
 * Helpers for kernels that run on the tfjs wasm backend: typed views of the
 * wasm heap and calls into kernels the backend already has (XNNPACK conv and
 * matmul), all on `TensorInfo`s that the backend owns.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

export type WasmBackend = BackendWasm;
type Attrs = Record<string, unknown>;

/** A float32 view of a tensor's memory in the wasm heap. Re-fetch it after any allocation: the heap may grow and detach older views. */
export function heapF32(backend: WasmBackend, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Runs a kernel registered for 'wasm' directly on backend-owned tensors (no autograd, no engine bookkeeping). */
export function runWasmKernel(
  backend: WasmBackend,
  kernelName: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Attrs,
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (kernel == null) throw new Error(`wasm backend has no kernel '${kernelName}'`);
  return kernel.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend }) as tf.TensorInfo;
}

/** A new float32 tensor in the wasm heap filled from `values`. */
export function makeF32(backend: WasmBackend, shape: number[], values?: Float32Array): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  if (values) heapF32(backend, out).set(values);
  return out;
}

export function dispose(backend: WasmBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Plain (no transpose) matrix product a[M,K] x b[K,N] on XNNPACK: the only fast BatchMatMul layout of tfjs-backend-wasm 4.22. */
export function matMul(backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return runWasmKernel(backend, 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
}

/**
 * The backend's own `kernelName` kernel with `fastPath` tried first; when the fast
 * path returns null (a case it does not handle) the original kernel runs.
 */
export function extendWasmKernel<A>(kernelName: string, fastPath: (args: A) => tf.TensorInfo | null): tf.KernelConfig {
  const original = tf.getKernel(kernelName, 'wasm');
  if (original == null) throw new Error(`wasm backend has no '${kernelName}' kernel to extend`);
  return {
    ...original,
    kernelFunc: (args) => fastPath(args as unknown as A) ?? original.kernelFunc(args),
  };
}

/** The parts of the emscripten module of tfjs-backend-wasm used for heap bookkeeping. */
export interface WasmModuleHeap {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
}

/** Bytes of wasm memory the module has now (it grows on demand, never shrinks; at most 4 GiB). */
export function wasmHeapBytes(wasm: WasmModuleHeap): number {
  return wasm.HEAPU8.buffer.byteLength;
}

const guarded = new WeakSet<object>();

/**
 * Makes a failed allocation in the wasm heap throw. tfjs-backend-wasm 4.22 does not check
 * `_malloc`'s result: when the 4 GiB heap is exhausted it gets 0 and writes the tensor over
 * the start of the heap, corrupting other tensors, and the process grinds on with garbage
 * (what a second depth-net training step used to do). Requests of 4 GiB or more, which the
 * 32-bit size argument would wrap around, fail the same way.
 */
export function guardWasmMalloc(wasm: WasmModuleHeap): void {
  if (guarded.has(wasm)) return;
  // emscripten binds _malloc/_free lazily on their first call, replacing the property: bind now
  wasm._free(wasm._malloc(16));
  const malloc = wasm._malloc;
  wasm._malloc = (bytes: number) => {
    // the wasm export takes a 32-bit size: larger requests would wrap around to small ones
    const ptr = bytes < 2 ** 32 ? malloc(bytes) : 0;
    if (ptr === 0 && bytes > 0) {
      const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
      throw new Error(
        `wasm heap exhausted: allocating ${mib(bytes)} failed with ${mib(wasmHeapBytes(wasm))} of wasm memory ` +
          '(the limit of 32-bit wasm is 4096 MiB); use a smaller batch or input, or the tensorflow backend',
      );
    }
    return ptr;
  };
  guarded.add(wasm);
}
