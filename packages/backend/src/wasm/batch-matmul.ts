/**
 * BatchMatMul on float32 for the wasm backend through OpenBLAS when the native
 * kernels are loaded. The backend's own kernel is fast only for untransposed,
 * unbroadcast operands (XNNPACK); transposed operands (every matmul gradient)
 * and a batch broadcast against one shared matrix (e.g. interpolation matrices)
 * run 10-20x slower there. Batch shapes other than equal or one-sided broadcasts
 * go to the backend's kernel.
 */
import { tf } from '../tf.js';
import { extendWasmKernel, heapF32, type WasmBackend } from './heap.js';
import { wasmKernelSettings } from './settings.js';

type Args = {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean };
};

function nativeBatchMatMul({ inputs, backend, attrs }: Args): tf.TensorInfo | null {
  const native = wasmKernelSettings.native;
  const { a, b } = inputs;
  if (!native || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = attrs.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = attrs.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = attrs.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const Kb = attrs.transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  if (K !== Kb) return null; // the backend's kernel reports the mismatch
  const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = tf.util.sizeFromShape(outer);
  if (!((batchA === batch || batchA === 1) && (batchB === batch || batchB === 1))) return null;
  const out = backend.makeOutput([...outer, M, N], 'float32');
  const dims = Int32Array.of(batchA, batchB, M, N, K, attrs.transposeA ? 1 : 0, attrs.transposeB ? 1 : 0);
  native.batchMatMul(heapF32(backend, a), heapF32(backend, b), heapF32(backend, out), dims);
  return out;
}

export const batchMatMulConfig = () => extendWasmKernel(tf.BatchMatMul, nativeBatchMatMul);
