/**
 * Multithreaded XNNPACK for tfjs-backend-wasm under Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD binary but never uses it in Node:
 * (1) its WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false there;
 * (2) it hands Emscripten a `blob:` URL for the pthread worker script, which
 *     Node's worker_threads rejects (ERR_WORKER_PATH);
 * (3) its C side caps the thread pool at emscripten_num_logical_cores() / 2,
 *     assuming hyper-threading, so a 2-core machine gets 1 thread;
 * (4) the pool's workers are ref'd, so a process that used it never exits;
 * (5) Emscripten starts 8 pthread workers whatever the thread count, each
 *     inheriting the parent's Node flags (under tsx: its loader and source maps in
 *     every worker) — ~170 MB of peak resident memory for the one worker that 2
 *     threads use.
 * `withWasmThreads` works around all five for the duration of the backend's
 * initialisation: it sets the flag, serves the worker script from a real file
 * (whose prologue points the worker at the threaded module's file instead of
 * a blob), reports twice the wanted thread count as the number of logical
 * cores, asks for threads − 1 pool workers (the workspace's patch of
 * tfjs-backend-wasm reads `__bmseWasmPthreadPoolSize`; without it 8 start) and
 * starts them with no Node flags (the worker script is plain CommonJS).
 * `unrefWasmWorkers` then lets the process exit, and `releaseIdleWasmWorkers`
 * ends the workers the pool never uses (all but threads − 1 without the patch).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import workerThreads, { type WorkerOptions } from 'node:worker_threads';
import { tf } from '../tf.js';

const require = createRequire(import.meta.url);

function writeWorkerScript(): string {
  const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const mainScript = path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(
    path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as {
    wasmWorkerContents: string;
  };
  // Inside the worker the module script arrives as a Blob; load the file instead.
  const prologue = `URL.createObjectURL=()=>${JSON.stringify(mainScript)};URL.revokeObjectURL=()=>{};`;
  // tfjs escapes the newlines of the embedded script the same way before making its blob.
  const body = prologue + wasmWorkerContents.replace(/\n/g, '\\n');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bmse-wasm-'));
  const file = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  fs.writeFileSync(file, body);
  return file;
}

/** Runs `init` (which must initialise the wasm backend) with `threads` XNNPACK threads enabled. */
export async function withWasmThreads<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const workerFile = writeWorkerScript();
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = ((obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript'
      ? workerFile
      : createObjectURL(obj)) as typeof URL.createObjectURL;
  const realCpus = cpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => realCpus[i % realCpus.length]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const pool = globalThis as { __bmseWasmPthreadPoolSize?: number };
  pool.__bmseWasmPthreadPoolSize = Math.max(threads - 1, 1);
  const Worker = workerThreads.Worker;
  workerThreads.Worker = class extends Worker {
    constructor(file: string | URL, options?: WorkerOptions) {
      super(file, { ...options, execArgv: [] });
    }
  };
  try {
    return await init();
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    workerThreads.Worker = Worker;
    delete pool.__bmseWasmPthreadPoolSize;
  }
}

interface EmscriptenWorker {
  unref?: () => void;
  terminate?: () => unknown;
}
interface EmscriptenPThread {
  unusedWorkers: EmscriptenWorker[];
  runningWorkers: EmscriptenWorker[];
}

/** Lets the process exit while the XNNPACK thread pool's workers are alive. */
export function unrefWasmWorkers(wasmModule: unknown): void {
  const pthread = (wasmModule as { PThread?: EmscriptenPThread }).PThread;
  if (!pthread) return;
  for (const worker of [...pthread.unusedWorkers, ...pthread.runningWorkers]) worker.unref?.();
}

/**
 * Ends the pthread workers XNNPACK's pool does not use. Without the workspace's patch Emscripten starts
 * 8 workers, each with its own copy of the module's JavaScript and compiled code (~12 MB resident
 * each), and XNNPACK takes threads − 1 of them when the backend initialises; it never creates threads
 * later. Returns how many were ended (there: 7 with 2 threads, ~85 MB less resident memory; with the
 * patch none are idle).
 */
export function releaseIdleWasmWorkers(wasmModule: unknown): number {
  const pthread = (wasmModule as { PThread?: EmscriptenPThread }).PThread;
  if (!pthread) return 0;
  const idle = pthread.unusedWorkers.splice(0);
  for (const worker of idle) void worker.terminate?.();
  return idle.length;
}
