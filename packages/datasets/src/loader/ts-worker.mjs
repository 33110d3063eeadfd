// Bootstrap of a data worker when @bmse/datasets runs from its TypeScript sources (vitest, tsx,
// `--conditions=source`): registers tsx in this thread, then loads the .ts entry named in workerData.
// The built package starts dist/loader/sample-worker.js directly and never uses this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
