/** Tensors in the shared wasm heap that another thread fills (used by @bmse/datasets' workers). */
import { Worker } from 'node:worker_threads';
import { allocateSharedWasmTensor, canShareWasmTensors, tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupWasm } from './helpers.js';

beforeAll(setupWasm);

describe('allocateSharedWasmTensor', () => {
  it('a worker thread writes through the shared heap; the tensor then holds those values, in every op', async () => {
    expect(canShareWasmTensors()).toBe(true);
    const start = tf.memory().numTensors;
    const { tensor, buffer, byteOffset } = allocateSharedWasmTensor([2, 3]);
    expect(buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(byteOffset % 4).toBe(0);
    // grow the heap in between: the memory written below must stay the tensor's
    const big = tf.zeros([64, 1024, 1024]);
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const v = new Float32Array(workerData.buffer, workerData.byteOffset, 6);
       for (let i = 0; i < 6; i++) v[i] = i * 1.5 - 2;
       parentPort.postMessage('done');`,
      { eval: true, workerData: { buffer, byteOffset } },
    );
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(Array.from(await tensor.data())).toEqual([-2, -0.5, 1, 2.5, 4, 5.5]);
    const sum = tf.sum(tensor, 1);
    expect(Array.from(await sum.data())).toEqual([-1.5, 12]);
    tf.dispose([tensor, big, sum]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('is refused off the wasm backend', async () => {
    tf.setBackend('cpu');
    try {
      expect(canShareWasmTensors()).toBe(false);
      expect(() => allocateSharedWasmTensor([2])).toThrow(/wasm backend with threads/);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
