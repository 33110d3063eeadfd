/** Settings shared by the project's wasm kernels. */
import type { NativeBlas } from '../native/blas.js';

export const wasmKernelSettings: {
  /** Upper bound on an im2col buffer in floats (32M floats = 128 MiB); larger work runs in batch chunks. */
  maxColsElements: number;
  /** Native im2col + OpenBLAS convolutions, when built and enabled; null: XNNPACK-based kernels. */
  native: NativeBlas | null;
} = {
  maxColsElements: 32 * 1024 * 1024,
  native: null,
};

/** Convolution geometry as the native kernels take it (see native/bmse_blas.c). */
export function nativeGeometry(info: {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padInfo: { top: number; left: number };
}): Int32Array {
  return Int32Array.of(
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
}
