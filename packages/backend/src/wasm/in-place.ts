/**
 * In-place updates of tensors on the wasm backend, for state that is rewritten every
 * step (optimizer parameters and moments, batch-norm running statistics) and for
 * gradient sums (see lean-gradients.ts). Replacing such a tensor by a new one each
 * step (tfjs' functional `variable.assign`) moves every long-lived buffer to wherever
 * the allocator finds room among the step's temporaries, so the 4 GiB wasm heap
 * fragments a little more with every step. Writing into the old buffer keeps them put.
 */
import { tf } from '../tf.js';
import { heapF32, type WasmBackend } from './heap.js';

interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  wasm: {
    tfjs: {
      disposeData(id: number): void;
      registerTensor(id: number, size: number, memoryOffset: number): void;
    };
  };
}

/** Whether `t` is a float32 tensor of the wasm backend whose memory no other tensor shares. */
export function isExclusiveWasmF32(t: tf.Tensor): boolean {
  if (t.isDisposed || t.dtype !== 'float32' || tf.getBackend() !== 'wasm') return false;
  const backend = tf.backend() as unknown as WasmBackend;
  return backend.refCount(t.dataId) === 1;
}

/** The writable float32 view of a tensor of the wasm backend (see `isExclusiveWasmF32` before writing). */
export function wasmF32(t: tf.Tensor): Float32Array {
  return heapF32(tf.backend() as unknown as WasmBackend, t);
}

/**
 * Tells the backend's C++ side that `t`'s values changed in place: it gets a new internal
 * id, which drops whatever the backend cached under the old one (XNNPACK operators hold
 * packed copies of convolution filters and matmul weights keyed by it).
 */
export function markWrittenInPlace(t: tf.Tensor): void {
  const backend = tf.backend() as unknown as WasmBackendInternals;
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('markWrittenInPlace: the tensor has no data on the wasm backend');
  backend.wasm.tfjs.disposeData(data.id);
  data.id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(data.id, t.size, data.memoryOffset);
}

/**
 * running = (1 - momentum)·running + momentum·(scale·batch), PyTorch's running-average update
 * of batch-norm statistics, with tfjs' float32 rounding of each product and sum (the same
 * numbers as `tf.add(tf.mul(running, 1 - m), tf.mul(tf.mul(batch, scale), m))`). On wasm, when
 * no other tensor shares the variable's memory, it is computed in that memory and records
 * nothing on a gradient tape: rewriting this small state each step then never moves it into
 * the middle of the step's temporaries (wasm heap fragmentation). Elsewhere: those tfjs ops
 * and `assign`.
 */
export function updateRunningAverage(variable: tf.Variable, batch: tf.Tensor, momentum: number, scale = 1): void {
  if (batch.dtype === 'float32' && batch.size === variable.size && isExclusiveWasmF32(variable)) {
    const r = wasmF32(variable);
    const b = wasmF32(batch);
    const keep = Math.fround(1 - momentum);
    const m = Math.fround(momentum);
    const s = Math.fround(scale);
    for (let i = 0; i < r.length; i++) {
      const bi = scale === 1 ? b[i] : Math.fround(b[i] * s);
      r[i] = Math.fround(r[i] * keep) + Math.fround(bi * m); // the store rounds the sum to float32
    }
    markWrittenInPlace(variable);
    return;
  }
  const next = tf.tidy(() =>
    tf.add(tf.mul(variable, 1 - momentum), tf.mul(scale === 1 ? batch : tf.mul(batch, scale), momentum)),
  );
  variable.assign(next);
  next.dispose();
}
