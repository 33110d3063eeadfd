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
