/**
 * Conv2D and FusedConv2D for the wasm backend through the native kernels when
 * they are loaded — oneDNN direct convolutions with bias and ReLU as post-ops, or
 * im2col + OpenBLAS with a bias/ReLU pass;
 * every other case — no native kernels, dilation, other activations, PReLU,
 * non-NHWC — goes to the backend's own XNNPACK kernel.
 */
import { tf } from '../tf.js';
import { extendWasmKernel, heapF32, type WasmBackend } from './heap.js';
import { nativeGeometry, wasmKernelSettings } from './settings.js';

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}
interface ConvArgs {
  inputs: { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  backend: WasmBackend;
  attrs: ConvAttrs;
}

/** The native convolution, or null when this call must go to XNNPACK. */
function nativeConv(args: ConvArgs): tf.TensorInfo | null {
  const native = wasmKernelSettings.native;
  const { inputs, backend, attrs } = args;
  const { x, filter, bias, preluActivationWeights } = inputs;
  const activation = attrs.activation ?? 'linear';
  if (!native || preluActivationWeights || (activation !== 'linear' && activation !== 'relu')) return null;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  if (bias && !(bias.shape.length === 1 && bias.shape[0] === info.outChannels)) return null;
  const out = backend.makeOutput(info.outShape, 'float32');
  // oneDNN: bias and ReLU as post-ops of the convolution; OpenBLAS: one pass after the sgemm
  native.conv2dForward(
    heapF32(backend, x),
    heapF32(backend, filter),
    heapF32(backend, out),
    nativeGeometry(info),
    bias ? heapF32(backend, bias) : null,
    activation === 'relu',
  );
  return out;
}

export const conv2DWasmConfig = () => extendWasmKernel(tf.Conv2D, nativeConv);
export const fusedConv2DWasmConfig = () => extendWasmKernel(tf.FusedConv2D, nativeConv);
