/** Tensors of batch buffers (loader/batch-slabs.ts): the main thread only; the workers never load tfjs. */
import { tf } from '@bmse/backend';
import { releaseSlab } from './batch-slabs.js';

/**
 * A float32 tensor with the values of a batch buffer. The wasm backend copies the values into its heap when the
 * tensor is made, so the buffer then goes back to the pool for a later batch; other backends may keep the array
 * (cpu) or read it later (tensorflow, webgl), so their buffers are left alone.
 */
export function batchTensor(x: Float32Array, shape: [number, number, number, number]): tf.Tensor4D {
  const t = tf.tensor4d(x, shape, 'float32');
  if (tf.getBackend() === 'wasm') releaseSlab(x.buffer);
  return t;
}
