/**
 * MaxPool for the wasm backend through the native kernels when they are loaded (a loop over
 * windows, contiguous over channels, as MaxPoolGrad); the backend's XNNPACK kernel otherwise.
 */
import { tf } from '../tf.js';
import { extendWasmKernel, heapF32, type WasmBackend } from './heap.js';
import { type MaxPoolAttrs, maxPoolInfo } from './max-pool-grad.js';
import { nativeGeometry, wasmKernelSettings } from './settings.js';

interface MaxPoolArgs {
  inputs: { x: tf.TensorInfo };
  backend: WasmBackend;
  attrs: MaxPoolAttrs;
}

function nativeMaxPool({ inputs, backend, attrs }: MaxPoolArgs): tf.TensorInfo | null {
  const native = wasmKernelSettings.native;
  const { x } = inputs;
  if (!native || x.dtype !== 'float32' || x.shape.length !== 4) return null;
  const info = maxPoolInfo(x.shape, attrs);
  const out = backend.makeOutput(info.outShape, 'float32');
  native.maxPool(heapF32(backend, x), heapF32(backend, out), nativeGeometry({ ...info, outChannels: info.inChannels }));
  return out;
}

export const maxPoolWasmConfig = () => extendWasmKernel(tf.MaxPool, nativeMaxPool);
