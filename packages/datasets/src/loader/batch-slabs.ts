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
        buffers: this.floatsPerSample.map((f) =>
          this.shared ? new SharedArrayBuffer(bytes(f)) : new ArrayBuffer(bytes(f)),
        ),
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
