/**
 * Per-batch output memory that the samples are written into where they are computed, so that a batch is neither
 * transferred nor copied: a worker writes into a SharedArrayBuffer (or, for `batches()` on the threaded wasm
 * backend, straight into the batch's tensor in the shared wasm heap); the main thread into an ArrayBuffer. When
 * a batch is exactly one slab's samples in order (always, unless bad samples were skipped), the slab *is* the
 * batch; otherwise the batch is copied from the samples' views, and a slab is freed once every one of its
 * samples has been copied out or dropped.
 */

/** Where one array of a sample goes: `buffer` at `byteOffset` (plain data, sent to the workers). */
export interface OutSlot {
  buffer: SharedArrayBuffer | ArrayBuffer;
  byteOffset: number;
}

/** The memory of one batch: one region per array of a sample (x, depth, …), and what owns it (a tensor …). */
export interface SlabMemory<O> {
  regions: OutSlot[];
  owner: O;
}

/** Makes the memory of a batch of `samples` samples, each with arrays of `floatsPerSample` floats. */
export type SlabAllocator<O> = (samples: number, floatsPerSample: readonly number[]) => SlabMemory<O>;

export interface Slab<O> extends SlabMemory<O> {
  index: number;
  samples: number;
  /** samples copied out of the slab into a batch, or dropped (failed): what no batch will read again */
  done: number;
  /** handed to the consumer as a whole batch: no longer ours */
  claimed: boolean;
  freed: boolean;
}

/** A loaded sample: this thread's views of its arrays, and its slab. */
export interface SlabSample<O> {
  views: Float32Array[];
  slab: Slab<O>;
  slot: number;
}

/** ArrayBuffers (main thread) or SharedArrayBuffers (workers), recycled through `releaseSlab`. */
export function bufferAllocator(shared: boolean): SlabAllocator<null> {
  return (samples, floats) => ({
    regions: floats.map((f) => ({
      buffer: shared ? sharedSlab(samples * f * 4) : new ArrayBuffer(samples * f * 4),
      byteOffset: 0,
    })),
    owner: null,
  });
}

export class BatchSlabs<O> {
  private readonly slabs = new Map<number, Slab<O>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  /**
   * `total` samples in epoch order, batches of `batchSize`, each sample made of arrays of `floatsPerSample`
   * floats; `free` releases an owner that never became a whole batch.
   */
  constructor(
    private readonly total: number,
    private readonly batchSize: number,
    private readonly floatsPerSample: readonly number[],
    private readonly allocate: SlabAllocator<O>,
    private readonly free: (owner: O) => void = () => {},
  ) {}

  /** Where the arrays of the sample at `position` in the epoch order go. */
  slots(position: number): OutSlot[] {
    const { slab, slot } = this.locate(position);
    return slab.regions.map((r, k) => ({
      buffer: r.buffer,
      byteOffset: r.byteOffset + slot * this.floatsPerSample[k] * 4,
    }));
  }

  /** This thread's views of the sample's arrays. */
  take(position: number): SlabSample<O> {
    const { slab, slot } = this.locate(position);
    const views = slab.regions.map(
      (r, k) => new Float32Array(r.buffer, r.byteOffset + slot * this.floatsPerSample[k] * 4, this.floatsPerSample[k]),
    );
    return { views, slab, slot };
  }

  /** A sample that failed: its slot is never taken. */
  drop(position: number): void {
    const { slab } = this.locate(position);
    slab.done++;
    this.freeIfDone(slab);
  }

  /** Keeps track of a task writing into a slab (`close` waits for it). */
  track(p: Promise<unknown>): void {
    const settled: Promise<unknown> = p.then(
      () => this.inFlight.delete(settled),
      () => this.inFlight.delete(settled),
    );
    this.inFlight.add(settled);
  }

  /**
   * The slab that is exactly this batch (all its samples, in slot order), now the consumer's; or null, and the
   * caller copies the batch out of the views and then calls `copied`.
   */
  claimWhole(samples: readonly SlabSample<O>[]): Slab<O> | null {
    const slab = samples[0]?.slab;
    if (!slab || slab.samples !== samples.length || samples.some((s, i) => s.slab !== slab || s.slot !== i))
      return null;
    slab.claimed = true;
    this.slabs.delete(slab.index);
    return slab;
  }

  /**
   * After a batch was copied out of these samples' views: frees the slabs all of whose samples are now copied
   * or dropped (a sample that has finished loading but waits for a later batch still counts as needed).
   */
  copied(samples: readonly SlabSample<O>[]): void {
    for (const s of samples) s.slab.done++;
    for (const slab of new Set(samples.map((s) => s.slab))) this.freeIfDone(slab);
  }

  /** At the end of a pass (or when it is abandoned): waits for running tasks, frees every slab left. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    for (const slab of this.slabs.values()) this.release(slab);
    this.slabs.clear();
  }

  private freeIfDone(slab: Slab<O>): void {
    if (slab.done === slab.samples && !slab.claimed) {
      this.release(slab);
      this.slabs.delete(slab.index);
    }
  }

  private release(slab: Slab<O>): void {
    if (slab.claimed || slab.freed) return;
    slab.freed = true;
    this.free(slab.owner);
  }

  private locate(position: number): { slab: Slab<O>; slot: number } {
    const index = Math.floor(position / this.batchSize);
    let slab = this.slabs.get(index);
    if (!slab) {
      // after close nothing may allocate again (a late continuation would leak what it made)
      if (this.closed) throw new Error('the pass is over: its batch memory is freed');
      const samples = Math.min(this.batchSize, this.total - index * this.batchSize);
      slab = {
        ...this.allocate(samples, this.floatsPerSample),
        index,
        samples,
        done: 0,
        claimed: false,
        freed: false,
      };
      this.slabs.set(index, slab);
    }
    return { slab, slot: position - index * this.batchSize };
  }
}

/** Runs `task` with its output in the slab slot of `position`; returns this thread's views of the result. */
export async function runIntoSlab<T extends { out?: OutSlot[] }, O>(
  run: (task: T) => Promise<unknown>,
  task: T,
  slabs: BatchSlabs<O>,
  position: number,
): Promise<SlabSample<O>> {
  const running = run({ ...task, out: slabs.slots(position) });
  slabs.track(running);
  try {
    await running;
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
const freeBuffers = new Map<number, SharedArrayBuffer[]>();
const handedOut = new WeakSet<SharedArrayBuffer>();
const stats = { fresh: 0, reused: 0 };

/** A shared buffer of `bytes`, recycled when one was released (its old contents get overwritten by the samples). */
export function sharedSlab(bytes: number): SharedArrayBuffer {
  const recycled = freeBuffers.get(bytes)?.pop();
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
  const list = freeBuffers.get(buf.byteLength) ?? [];
  if (list.length < FREE_PER_SIZE) list.push(buf);
  freeBuffers.set(buf.byteLength, list);
}
