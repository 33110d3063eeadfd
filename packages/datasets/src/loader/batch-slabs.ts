/**
 * Per-batch output buffers that the samples are written into where they are computed (a worker writes into a
 * SharedArrayBuffer; the main thread into an ArrayBuffer), so a batch is neither transferred nor copied: the
 * batch's x is a view of its slab (prefetch.ts `stack` sees that and returns it as is).
 */
export interface OutSlot {
  buffer: SharedArrayBuffer | ArrayBuffer;
  byteOffset: number;
}

export class BatchSlabs {
  private readonly slabs = new Map<number, { buffers: (SharedArrayBuffer | ArrayBuffer)[]; pending: number }>();

  /**
   * `total` samples in epoch order, batches of `batchSize`, each sample made of arrays of `floatsPerSample`
   * floats; `shared`: samples are computed in worker threads.
   */
  constructor(
    private readonly total: number,
    private readonly batchSize: number,
    private readonly floatsPerSample: readonly number[],
    private readonly shared: boolean,
  ) {}

  /** Where the arrays of the sample at `position` in the epoch order go. */
  slots(position: number): OutSlot[] {
    const b = Math.floor(position / this.batchSize);
    const slot = position - b * this.batchSize;
    return this.slab(b).buffers.map((buffer, k) => ({ buffer, byteOffset: slot * this.floatsPerSample[k] * 4 }));
  }

  /** This thread's views of the sample's arrays; the slab is dropped from the table once its samples are all taken. */
  take(position: number): Float32Array[] {
    const b = Math.floor(position / this.batchSize);
    const slab = this.slab(b);
    const slot = position - b * this.batchSize;
    const views = slab.buffers.map(
      (buf, k) => new Float32Array(buf, slot * this.floatsPerSample[k] * 4, this.floatsPerSample[k]),
    );
    if (--slab.pending === 0) this.slabs.delete(b);
    return views;
  }

  /** A sample that failed: its slot is never taken. */
  drop(position: number): void {
    const b = Math.floor(position / this.batchSize);
    const slab = this.slabs.get(b);
    if (slab && --slab.pending === 0) this.slabs.delete(b);
  }

  private slab(b: number): { buffers: (SharedArrayBuffer | ArrayBuffer)[]; pending: number } {
    let s = this.slabs.get(b);
    if (!s) {
      const n = Math.min(this.batchSize, this.total - b * this.batchSize);
      const bytes = (f: number) => n * f * 4;
      s = {
        buffers: this.floatsPerSample.map((f) => (this.shared ? sharedSlab(bytes(f)) : new ArrayBuffer(bytes(f)))),
        pending: n,
      };
      this.slabs.set(b, s);
    }
    return s;
  }
}

/** Runs `task` with its output in the slab slot of `position`; returns this thread's views of the result. */
export async function runIntoSlab<T extends { out?: OutSlot[] }>(
  run: (task: T) => Promise<unknown>,
  task: T,
  slabs: BatchSlabs,
  position: number,
): Promise<Float32Array[]> {
  try {
    await run({ ...task, out: slabs.slots(position) });
  } catch (e) {
    slabs.drop(position);
    throw e;
  }
  return slabs.take(position);
}

/**
 * Recycling of shared batch buffers: a fresh buffer costs a page fault on every page the workers write (about a
 * tenth of the per-sample time at 224×224), a recycled one does not. Only a caller that has copied a batch out
 * (e.g. into a wasm tensor) may hand its buffer back with `releaseSlab`; anything else is simply not reused.
 */
const FREE_PER_SIZE = 6;
const free = new Map<number, SharedArrayBuffer[]>();
const handedOut = new WeakSet<SharedArrayBuffer>();
const stats = { fresh: 0, reused: 0 };

/** A shared buffer of `bytes`, recycled when one was released (its old contents get overwritten by the samples). */
export function sharedSlab(bytes: number): SharedArrayBuffer {
  const recycled = free.get(bytes)?.pop();
  const buf = recycled ?? new SharedArrayBuffer(bytes);
  stats[recycled ? 'reused' : 'fresh']++;
  handedOut.add(buf);
  return buf;
}

/** How many shared batch buffers were allocated and how many handed out again (tests, benchmarks). */
export function slabPoolStats(): { fresh: number; reused: number } {
  return { ...stats };
}

/**
 * Gives a batch buffer back for reuse. The caller promises that nothing reads or writes it any more (every view
 * of it is dropped). Buffers that did not come from `sharedSlab`, or were released already, are ignored.
 */
export function releaseSlab(buf: ArrayBufferLike): void {
  if (!(buf instanceof SharedArrayBuffer) || !handedOut.has(buf)) return;
  handedOut.delete(buf);
  const list = free.get(buf.byteLength) ?? [];
  if (list.length < FREE_PER_SIZE) list.push(buf);
  free.set(buf.byteLength, list);
}
