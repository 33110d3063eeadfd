/** Tensors of batches (loader/batch-slabs.ts): the main thread only; the workers never load tfjs. */
import { allocateSharedWasmTensor, canShareWasmTensors, type SharedWasmTensor, tf } from '@bmse/backend';
import { BatchSlabs, bufferAllocator, releaseSlab } from './batch-slabs.js';
import { batchArray, type SlabBatch } from './slab-batches.js';

/** What owns a slab of `batches()`: its tensors (threaded wasm), or nothing (plain buffers). */
export type TensorOwner = tf.Tensor[] | null;

/**
 * Slabs for `batches()`. On the wasm backend with threads the heap is shared memory, so each slab is the batch's
 * tensors themselves and the workers write into them (no copy on the main thread); elsewhere plain buffers
 * (`shared`: for worker threads) that `batchTensor` copies.
 */
export function tensorSlabs(
  total: number,
  batchSize: number,
  sampleShapes: readonly number[][],
  shared: boolean,
): BatchSlabs<TensorOwner> {
  const floats = sampleShapes.map((s) => s.reduce((a, b) => a * b, 1));
  if (!canShareWasmTensors()) return new BatchSlabs<TensorOwner>(total, batchSize, floats, bufferAllocator(shared));
  return new BatchSlabs<TensorOwner>(
    total,
    batchSize,
    floats,
    (samples) => {
      const made: SharedWasmTensor[] = [];
      try {
        for (const s of sampleShapes) made.push(allocateSharedWasmTensor([samples, ...s]));
      } catch (e) {
        tf.dispose(made.map((m) => m.tensor)); // the depth tensor failed: do not leak the image tensor
        throw e;
      }
      return {
        regions: made.map((m) => ({ buffer: m.buffer, byteOffset: m.byteOffset })),
        owner: made.map((m) => m.tensor),
      };
    },
    (owner) => tf.dispose(owner ?? []),
  );
}

/** Array `k` of a batch as a [B, …sampleShape] tensor: the slab's own tensor when it is one, else a copy. */
export function batchTensorOf(b: SlabBatch<TensorOwner>, k: number, sampleShape: readonly number[]): tf.Tensor4D {
  const own = b.whole?.owner?.[k];
  if (own) return own as tf.Tensor4D;
  const shape = [b.indices.length, ...sampleShape] as [number, number, number, number];
  return batchTensor(batchArray(b, k, shape[1] * shape[2] * shape[3]), shape);
}

/**
 * A float32 tensor with the values of a batch buffer. The wasm backend copies the values into its heap when the
 * tensor is made, so the buffer then goes back to the pool for a later batch; cpu keeps the array as the tensor's
 * memory, and the native and GPU backends get a plain copy of shared memory (they may read it later).
 */
export function batchTensor(x: Float32Array, shape: [number, number, number, number]): tf.Tensor4D {
  const backend = tf.getBackend();
  if (backend === 'wasm') {
    const t = tf.tensor4d(x, shape, 'float32');
    releaseSlab(x.buffer);
    return t;
  }
  // native and GPU backends get memory of their own (they may hold the array until it is first used)
  const own = backend !== 'cpu' && x.buffer instanceof SharedArrayBuffer ? x.slice() : x;
  return tf.tensor4d(own, shape, 'float32');
}
