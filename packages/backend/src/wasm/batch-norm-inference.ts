/**
 * FusedBatchNorm (inference batch norm: tf.batchNorm with given statistics) for the wasm backend
 * through the native kernels when they are loaded: the per-channel statistics fold into one scale
 * and shift, y = x·scale + shift, one vectorised pass (tfjs-backend-wasm's own kernel took 366 ms of
 * a 655 ms ResNet-50 b8@224 forward pass). Per-channel (1-D, size C) statistics only; anything else
 * goes to the backend's kernel.
 */
import { foldBatchNorm } from '../ops/batch-norm-inference.js';
import { tf } from '../tf.js';
import { extendWasmKernel, heapF32, type WasmBackend } from './heap.js';
import { wasmKernelSettings } from './settings.js';

/** Below this many elements the backend's kernel is as fast (no call into the addon). */
const minElements = 4096;

interface BatchNormInputs {
  x: tf.TensorInfo;
  mean: tf.TensorInfo;
  variance: tf.TensorInfo;
  offset?: tf.TensorInfo;
  scale?: tf.TensorInfo;
}

function nativeBatchNorm({
  inputs,
  backend,
  attrs,
}: {
  inputs: BatchNormInputs;
  backend: WasmBackend;
  attrs: { varianceEpsilon: number };
}): tf.TensorInfo | null {
  const native = wasmKernelSettings.native;
  const { x, mean, variance, offset, scale } = inputs;
  const C = x.shape[x.shape.length - 1];
  const perChannel = (t: tf.TensorInfo | undefined) =>
    t == null || (t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === C);
  if (!native || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) < minElements) return null;
  if (!perChannel(mean) || !perChannel(variance) || !perChannel(offset) || !perChannel(scale)) return null;
  const folded = foldBatchNorm(
    heapF32(backend, mean),
    heapF32(backend, variance),
    offset ? heapF32(backend, offset) : null,
    scale ? heapF32(backend, scale) : null,
    attrs.varianceEpsilon,
  );
  const out = backend.makeOutput(x.shape, 'float32');
  native.channelAffine(heapF32(backend, x), folded.scale, folded.shift, heapF32(backend, out));
  return out;
}

export const batchNormInferenceWasmConfig = () => extendWasmKernel(tf.FusedBatchNorm, nativeBatchNorm);
