/**
 * Relu and same-shape float32 Add for the wasm backend through the native kernels when they are
 * loaded (in the oneDNN build on its OpenMP threads: the ResNets' ReLUs and residual sums are
 * whole-activation passes); the backend's own kernels otherwise (broadcasting, other dtypes).
 */
import { tf } from '../tf.js';
import { extendWasmKernel, heapF32, type WasmBackend } from './heap.js';
import { wasmKernelSettings } from './settings.js';

/** Below this many elements the backend's kernel is as fast (no call into the addon). */
const minElements = 4096;

const sizeOf = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

function nativeRelu({ inputs, backend }: { inputs: { x: tf.TensorInfo }; backend: WasmBackend }): tf.TensorInfo | null {
  const native = wasmKernelSettings.native;
  const { x } = inputs;
  if (!native || x.dtype !== 'float32' || sizeOf(x) < minElements) return null;
  const out = backend.makeOutput(x.shape, 'float32');
  native.relu(heapF32(backend, x), heapF32(backend, out));
  return out;
}

function nativeAdd({
  inputs,
  backend,
}: {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  backend: WasmBackend;
}): tf.TensorInfo | null {
  const native = wasmKernelSettings.native;
  const { a, b } = inputs;
  if (!native || a.dtype !== 'float32' || b.dtype !== 'float32' || sizeOf(a) < minElements) return null;
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return null;
  const out = backend.makeOutput(a.shape, 'float32');
  native.add(heapF32(backend, a), heapF32(backend, b), heapF32(backend, out));
  return out;
}

export const reluWasmConfig = () => extendWasmKernel(tf.Relu, nativeRelu);
export const addWasmConfig = () => extendWasmKernel(tf.Add, nativeAdd);
