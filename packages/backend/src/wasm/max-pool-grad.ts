/**
 * MaxPoolGrad for the wasm backend (its own is a slow scalar loop): each output
 * position routes dy to the first maximum of its window in row-major scan order,
 * as tfjs-backend-cpu and PyTorch do. NHWC; per-channel running maxima make the
 * inner loop contiguous over channels. The native kernels do the same in C when loaded.
 */
import { tf } from '../tf.js';
import { heapF32, type WasmBackend } from './heap.js';
import { nativeGeometry, wasmKernelSettings } from './settings.js';

/** The attributes MaxPool and MaxPoolGrad share. */
export interface MaxPoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The pooling geometry of an NHWC input (dilation 1). */
export function maxPoolInfo(shape: readonly number[], attrs: MaxPoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

export function maxPoolGradWasm(args: {
  inputs: { dy: tf.TensorInfo; input: tf.TensorInfo };
  backend: WasmBackend;
  attrs: MaxPoolAttrs;
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const info = maxPoolInfo(input.shape, attrs);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const dx = backend.makeOutput(input.shape, 'float32');
  if (wasmKernelSettings.native) {
    wasmKernelSettings.native.maxPoolGrad(
      heapF32(backend, input),
      heapF32(backend, dy),
      heapF32(backend, dx),
      nativeGeometry({ ...info, outChannels: C }),
    );
    return dx;
  }
  const x = heapF32(backend, input);
  const g = heapF32(backend, dy);
  const out = heapF32(backend, dx);
  out.fill(0);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(0, oh * sh - pt);
      const h1 = Math.min(H, oh * sh - pt + KH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = Math.max(0, ow * sw - pl);
        const w1 = Math.min(W, ow * sw - pl + KW);
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const base = ((n * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c] || where[c] < 0) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const gBase = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) if (where[c] >= 0) out[where[c]] += g[gBase + c];
      }
    }
  }
  return dx;
}

export const maxPoolGradWasmConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};
