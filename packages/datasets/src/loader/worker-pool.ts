/**
 * A pool of worker_threads that run sample tasks (loader/sample-tasks.ts: decode + transform) off the main
 * thread. Results are written into the task's shared output slots (loader/batch-slabs.ts), or come back as
 * transferred Float32Arrays when a task has none (no copies either way); a DatasetError thrown in a worker comes
 * back as a DatasetError with the same file / CSV row / field. Workers are ref'd only while they have tasks,
 * so an idle pool never keeps the process alive; `closeDataWorkers()` terminates every pool.
 *
 * One pool per size is shared by all datasets of the process (tasks carry everything they need).
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { reviveError, type SerializedError } from '../errors.js';
import type { SampleTask } from './sample-tasks.js';
import { workerExecArgv } from './worker-exec-argv.js';

type Reply = { ready: true } | { id: number; result: Float32Array[] } | { id: number; error: SerializedError };

interface Pending {
  task: SampleTask;
  resolve: (r: Float32Array[]) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
  /** said it is ready (a worker that dies before that could not start) */
  started: boolean;
}

/** Number of data workers when a dataset is opened without `workers`: $BMSE_DATA_WORKERS, else the usable cores. */
export function defaultWorkerCount(): number {
  const env = process.env.BMSE_DATA_WORKERS;
  if (env !== undefined && env !== '' && Number.isInteger(Number(env)) && Number(env) >= 0) return Number(env);
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The worker entry: the compiled .js next to this file, or the .ts source through tsx (tests, `--conditions=source`). */
function workerEntry(): { file: URL; workerData?: { entry: string } } {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './sample-worker.ts' : './sample-worker.js', import.meta.url);
  return fromSource
    ? { file: new URL('./ts-worker.mjs', import.meta.url), workerData: { entry: entry.href } }
    : { file: entry };
}

export class SamplePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private closed = false;
  private startError: Error | null = null;

  /** `size` workers, each running up to `perWorker` tasks at once (decode of one overlaps the JS of another). */
  constructor(
    readonly size: number,
    private readonly perWorker = 2,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`worker pool size must be a positive integer, got ${size}`);
  }

  run(task: SampleTask): Promise<Float32Array[]> {
    if (this.startError) return Promise.reject(this.startError);
    if (this.closed) return Promise.reject(new Error('the data worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  /** Terminates the workers; tasks still queued or running are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    // after a worker could not start, every task fails with that reason, not with "closed"
    const err = this.startError ?? new Error('the data worker pool was closed');
    for (const p of this.queue.splice(0)) p.reject(err);
    const slots = this.slots.splice(0);
    // running tasks are rejected only once their worker has stopped: until then it may still write into their
    // output memory, which the caller frees when the task settles
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) for (const p of s.inFlight.values()) p.reject(err);
  }

  private spawn(): Slot {
    const { file, workerData } = workerEntry();
    const worker = new Worker(file, { workerData, execArgv: workerExecArgv(process.execArgv) });
    const slot: Slot = { worker, inFlight: new Map(), started: false };
    worker.on('message', (m: Reply) => {
      if ('ready' in m) {
        slot.started = true;
        return;
      }
      const p = slot.inFlight.get(m.id);
      if (!p) return;
      slot.inFlight.delete(m.id);
      if (slot.inFlight.size === 0) worker.unref();
      if ('error' in m) p.reject(reviveError(m.error));
      else p.resolve(m.result);
      this.pump();
    });
    const fail = (e: Error) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return; // already handled (or closed)
      this.slots.splice(i, 1);
      const err = new Error(`a data worker ${slot.started ? 'died' : 'could not start'}: ${e.message}`, { cause: e });
      for (const p of slot.inFlight.values()) p.reject(err);
      slot.inFlight.clear();
      if (!slot.started) {
        // the entry does not load: every later task would fail the same way
        this.startError = err;
        for (const p of this.queue.splice(0)) p.reject(err);
        void this.close();
      } else this.pump();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`exited with code ${code}`));
    });
    // after the listeners: attaching a 'message' listener refs the worker's port again
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    if (this.closed || this.startError) return;
    while (this.slots.length < this.size && this.queue.length > 0) this.spawn();
    while (this.queue.length > 0) {
      let best: Slot | null = null;
      for (const s of this.slots)
        if (s.inFlight.size < this.perWorker && (!best || s.inFlight.size < best.inFlight.size)) best = s;
      if (!best) return;
      const p = this.queue.shift()!;
      const id = this.nextId++;
      best.inFlight.set(id, p);
      best.worker.ref();
      best.worker.postMessage({ id, task: p.task });
    }
  }
}

const pools = new Map<number, SamplePool>();

/** The process-wide pool of `size` workers (created on first use). */
export function sharedSamplePool(size: number): SamplePool {
  let p = pools.get(size);
  if (!p) {
    p = new SamplePool(size);
    pools.set(size, p);
  }
  return p;
}

/** Terminates every data worker pool (they are unref'd while idle, so this is only needed to free them early). */
export async function closeDataWorkers(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close()));
}

/** Runs a task in the shared pool of `workers` workers, or on this thread when `workers` is 0. */
export function sampleRunner(
  workers: number,
  local: (t: SampleTask) => Promise<Float32Array[]>,
): (t: SampleTask) => Promise<Float32Array[]> {
  if (!Number.isInteger(workers) || workers < 0)
    throw new RangeError(`workers must be a non-negative integer, got ${workers}`);
  if (workers === 0) return local;
  return (t) => sharedSamplePool(workers).run(t);
}
