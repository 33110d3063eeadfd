/** Entry of a data worker (loader/worker-pool.ts): runs sample tasks, transfers the result buffers back. */
import { parentPort } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import { runSampleTask, type SampleTask } from './sample-tasks.js';

const port = parentPort;
if (!port) throw new Error('sample-worker.ts must run in a worker thread');

port.on('message', (m: { id: number; task: SampleTask }) => {
  runSampleTask(m.task).then(
    (result) =>
      port.postMessage(
        { id: m.id, result },
        // results written into a shared batch buffer are not transferred (nor copied)
        result.filter((a) => !(a.buffer instanceof SharedArrayBuffer)).map((a) => a.buffer as ArrayBuffer),
      ),
    (e: unknown) => port.postMessage({ id: m.id, error: serializeError(e) }),
  );
});
port.postMessage({ ready: true });
