/**
 * UnsortedSegmentSum for the wasm backend, which lacks it: tfjs-core's gradient of `tf.gather` is a
 * segment sum, so without it `tf.layers.embedding` (or any gather of a trained tensor) cannot train
 * on wasm. out[s, ...] = Σ of the rows x[i, ...] whose segment id is s; ids outside [0, numSegments)
 * are dropped (as tfjs-backend-cpu). Rows are added in index order in float64 and rounded once into
 * x's dtype.
 */
import { tf } from '../tf.js';
import { heapF32, type WasmBackend } from './heap.js';

function unsortedSegmentSum(args: {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  backend: WasmBackend;
  attrs: { numSegments: number };
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new Error(
      `UnsortedSegmentSum on wasm: segmentIds must be 1-D with x's first dimension (${x.shape[0]}), got shape [${segmentIds.shape}]`,
    );
  }
  const row = tf.util.sizeFromShape(x.shape.slice(1));
  const acc = new Float64Array(numSegments * row);
  const xs = heapF32(backend, x); // typed by dtype: Float32Array or Int32Array
  const ids = heapF32(backend, segmentIds) as unknown as Int32Array;
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * row;
    const to = s * row;
    for (let j = 0; j < row; j++) acc[to + j] += xs[from + j];
  }
  const out = backend.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  (heapF32(backend, out) as Float32Array | Int32Array).set(acc);
  return out;
}

export const unsortedSegmentSumWasmConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
