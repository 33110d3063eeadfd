/**
 * The depthwise-convolution gradients tfjs-backend-wasm 4.22 lacks (DepthwiseConv2dNativeBackpropInput,
 * DepthwiseConv2dNativeBackpropFilter): without them `tf.layers.depthwiseConv2d` / `separableConv2d`
 * (MobileNet-style nets) cannot train on wasm at all. NHWC, filter [KH, KW, C, multiplier]; each
 * output channel d2 = d1·multiplier + m reads input channel d1. With the native kernels loaded (and
 * dilation 1) they run in C on the OpenMP threads (one image per task for dx; the filter gradient sums
 * fixed groups of images in order, so the same on any thread count); otherwise in JavaScript here. Both
 * loop over output positions and taps with the channels innermost (contiguous in all three tensors);
 * the JavaScript accumulates in float64, as tfjs-backend-cpu's reference kernels do.
 */
import { tf } from '../tf.js';
import { heapF32, type WasmBackend } from './heap.js';
import { nativeGeometry, wasmKernelSettings } from './settings.js';

interface DepthwiseGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function depthwiseInfo(xShape: number[], filterShape: number[], a: DepthwiseGradAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

/** Calls visit(offset of dy's position, offset of x's position read, tap kh·KW + kw) for every output position and tap inside the input. */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  visit: (dyOffset: number, xOffset: number, tap: number) => void,
): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  for (let b = 0; b < N; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const dyOffset = ((b * OH + oh) * OW + ow) * outChannels;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh * dh - pt;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw * dw - pl;
            if (iw < 0 || iw >= W) continue;
            visit(dyOffset, ((b * H + ih) * W + iw) * C, kh * KW + kw);
          }
        }
      }
}

/** The native kernels when loaded and the geometry is theirs (dilation 1, float32 views), else null. */
function nativeFor(info: tf.backend_util.Conv2DInfo) {
  const native = wasmKernelSettings.native;
  return native && info.dilationHeight === 1 && info.dilationWidth === 1 ? native : null;
}

/**
 * One gradient: for every (output position, tap) inside the input, `add(acc, dy offset, x offset, filter
 * offset of the tap, C, M)` accumulates into a float64 array of `outShape`, then rounded once into a
 * new float32 tensor. `p` and `q` are the two inputs' heap views (taken before the output exists).
 */
function accumulateGrad(
  backend: WasmBackend,
  info: tf.backend_util.Conv2DInfo,
  outShape: number[],
  [first, second]: [tf.TensorInfo, tf.TensorInfo],
  add: (
    acc: Float64Array,
    p: Float32Array,
    q: Float32Array,
    dyAt: number,
    xAt: number,
    wAt: number,
    C: number,
    M: number,
  ) => void,
): tf.TensorInfo {
  const C = info.inChannels;
  const M = info.outChannels / C;
  const acc = new Float64Array(tf.util.sizeFromShape(outShape));
  const p = heapF32(backend, first);
  const q = heapF32(backend, second);
  forEachTap(info, (dyAt, xAt, tap) => add(acc, p, q, dyAt, xAt, tap * C * M, C, M));
  const out = backend.makeOutput(outShape, 'float32');
  heapF32(backend, out).set(acc);
  return out;
}

/** dx[b, ih, iw, d1] = Σ over positions and taps reading it, Σ_m dy[b, oh, ow, d1·M + m] · w[kh, kw, d1, m] */
function backpropInput(args: {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: WasmBackend;
  attrs: DepthwiseGradAttrs & { inputShape: number[] };
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const info = depthwiseInfo(attrs.inputShape, inputs.filter.shape, attrs);
  const native = nativeFor(info);
  if (native) {
    const dx = backend.makeOutput(attrs.inputShape, 'float32');
    const [dy, w, out] = [inputs.dy, inputs.filter, dx].map((t) => heapF32(backend, t));
    native.depthwiseBackpropInput(dy, w, out, nativeGeometry(info));
    return dx;
  }
  return accumulateGrad(
    backend,
    info,
    attrs.inputShape,
    [inputs.dy, inputs.filter],
    (acc, dy, w, dyAt, xAt, wAt, C, M) => {
      for (let d1 = 0; d1 < C; d1++) {
        let s = 0;
        for (let m = 0; m < M; m++) s += dy[dyAt + d1 * M + m] * w[wAt + d1 * M + m];
        acc[xAt + d1] += s;
      }
    },
  );
}

/** dw[kh, kw, d1, m] = Σ over batch and output positions of x[b, ih, iw, d1] · dy[b, oh, ow, d1·M + m] */
function backpropFilter(args: {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: WasmBackend;
  attrs: DepthwiseGradAttrs & { filterShape: number[] };
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const info = depthwiseInfo(inputs.x.shape, attrs.filterShape, attrs);
  const native = nativeFor(info);
  if (native) {
    const dw = backend.makeOutput(attrs.filterShape, 'float32');
    const [x, dy, out] = [inputs.x, inputs.dy, dw].map((t) => heapF32(backend, t));
    native.depthwiseBackpropFilter(x, dy, out, nativeGeometry(info));
    return dw;
  }
  return accumulateGrad(backend, info, attrs.filterShape, [inputs.x, inputs.dy], (acc, x, dy, dyAt, xAt, wAt, C, M) => {
    for (let d1 = 0; d1 < C; d1++) {
      const xv = x[xAt + d1];
      for (let m = 0; m < M; m++) acc[wAt + d1 * M + m] += xv * dy[dyAt + d1 * M + m];
    }
  });
}

export const depthwiseBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: backpropInput as unknown as tf.KernelFunc,
};

export const depthwiseBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: backpropFilter as unknown as tf.KernelFunc,
};
