/**
 * Float32 tensors whose memory other threads can fill: on the wasm backend with threads the heap is a
 * SharedArrayBuffer, so a data worker can write a batch straight into a tensor allocated here (no copy into the
 * heap on the main thread). Used by @bmse/datasets' loaders.
 */
import { tf } from '../tf.js';

interface WasmInternals {
  write(values: null, shape: number[], dtype: 'float32'): object;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

export interface SharedWasmTensor {
  /** uninitialised until written; the caller owns it (dispose) */
  tensor: tf.Tensor;
  /** the wasm heap, and where the tensor's floats start in it */
  buffer: SharedArrayBuffer;
  byteOffset: number;
}

/** Whether `allocateSharedWasmTensor` can work now: the wasm backend with a shared (threaded) heap. */
export function canShareWasmTensors(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const backend = tf.backend() as unknown as WasmInternals;
  return backend.wasm?.HEAPU8?.buffer instanceof SharedArrayBuffer;
}

/**
 * A new float32 tensor of `shape` in the shared wasm heap, its values not yet written. Another thread may write
 * them through `buffer` at `byteOffset` (the memory never moves; growing the heap keeps it) — but nothing may
 * read or use the tensor before those writes are done, and it must not be disposed while they run.
 */
export function allocateSharedWasmTensor(shape: number[]): SharedWasmTensor {
  if (!canShareWasmTensors()) throw new Error('shared wasm tensors need the wasm backend with threads');
  const backend = tf.backend() as unknown as WasmInternals;
  const dataId = backend.write(null, shape, 'float32');
  const tensor = tf.engine().makeTensorFromDataId(dataId, shape, 'float32', tf.backend());
  const info = backend.dataIdMap.get(dataId);
  if (!info) throw new Error('allocateSharedWasmTensor: the backend lost the new tensor');
  // the heap as it is after the allocation (it may just have grown)
  return { tensor, buffer: backend.wasm.HEAPU8.buffer as SharedArrayBuffer, byteOffset: info.memoryOffset };
}
