/**
 * Conv2DBackpropFilter for tfjs-backend-wasm (which ships none): the filter
 * gradient dW[kh,kw,ci,co] = sum over (n,oh,ow) of x[n, oh*sh+kh-pt, ow*sw+kw-pl, ci] * dy[n,oh,ow,co],
 * computed as colsT[K, M] x dy[M, Cout] where colsT is the transposed im2col of x
 * (K = KH*KW*Cin, M = N*OH*OW). The product runs on XNNPACK through the backend's
 * own BatchMatMul in its fast (untransposed) layout; the im2col is a JS loop on the heap.
 * Large inputs are processed in batch chunks so colsT stays under `wasmKernelSettings.maxColsElements`.
 * With the native kernels loaded, im2col + OpenBLAS sgemm does it all instead.
 */
import { tf } from '../tf.js';
import { dispose, heapF32, makeF32, matMul, runWasmKernel, type WasmBackend } from './heap.js';
import { nativeGeometry, wasmKernelSettings } from './settings.js';

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** Fills colsT[(kh*KW+kw)*Cin+ci, m] (row length `m1-m0`) for images n0..n1-1 of x. */
function im2colTransposed(
  x: Float32Array,
  cols: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  n0: number,
  n1: number,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const rowLen = (n1 - n0) * OH * OW;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const rowBlock = (kh * KW + kw) * C * rowLen;
      for (let n = n0; n < n1; n++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh + kh - pt;
          const mRow = ((n - n0) * OH + oh) * OW;
          if (ih < 0 || ih >= H) {
            for (let c = 0; c < C; c++) cols.fill(0, rowBlock + c * rowLen + mRow, rowBlock + c * rowLen + mRow + OW);
            continue;
          }
          const xRow = (n * H + ih) * W;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw + kw - pl;
            let dst = rowBlock + mRow + ow;
            if (iw < 0 || iw >= W) {
              for (let c = 0; c < C; c++, dst += rowLen) cols[dst] = 0;
            } else {
              let src = (xRow + iw) * C;
              for (let c = 0; c < C; c++, dst += rowLen) cols[dst] = x[src++];
            }
          }
        }
      }
    }
  }
}

export function conv2DBackpropFilterWasm(args: {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  if (wasmKernelSettings.native) {
    const out = backend.makeOutput(filterShape, 'float32');
    wasmKernelSettings.native.conv2dBackpropFilter(
      heapF32(backend, x),
      heapF32(backend, dy),
      heapF32(backend, out),
      nativeGeometry(info),
    );
    return out;
  }
  const { batchSize: N, outHeight: OH, outWidth: OW, outChannels: Cout } = info;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const perImage = K * OH * OW;
  const chunk = Math.max(1, Math.min(N, Math.floor(wasmKernelSettings.maxColsElements / Math.max(1, perImage))));

  const out = backend.makeOutput(filterShape, 'float32');
  let acc: Float32Array | null = chunk < N ? new Float32Array(K * Cout) : null;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const n1 = Math.min(N, n0 + chunk);
    const m = (n1 - n0) * OH * OW;
    const cols = makeF32(backend, [K, m]);
    // One chunk: dy itself, viewed as [M, Cout]; several: a copy of this chunk's rows.
    const dyChunk =
      chunk === N ? runWasmKernel(backend, 'Reshape', { x: dy }, { shape: [m, Cout] }) : makeF32(backend, [m, Cout]);
    if (chunk !== N) {
      heapF32(backend, dyChunk).set(heapF32(backend, dy).subarray(n0 * OH * OW * Cout, n1 * OH * OW * Cout));
    }
    im2colTransposed(heapF32(backend, x), heapF32(backend, cols), info, n0, n1);
    const prod = matMul(backend, cols, dyChunk);
    const p = heapF32(backend, prod);
    if (acc == null) {
      heapF32(backend, out).set(p);
    } else {
      for (let i = 0; i < acc.length; i++) acc[i] += p[i];
    }
    dispose(backend, cols, dyChunk, prod);
  }
  if (acc != null) heapF32(backend, out).set(acc);
  acc = null;
  return out;
}

export const conv2DBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
};
