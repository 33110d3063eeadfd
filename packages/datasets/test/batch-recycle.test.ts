/** Batch memory on the wasm backend: recycled shared buffers (rawBatches) and worker-written tensors (batches). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { canShareWasmTensors, initBackend, tf } from '@bmse/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeDataWorkers,
  openImdbWikiDir,
  releaseSlab,
  renderAgeImage,
  rngFor,
  slabPoolStats,
  writeAgeCsv,
  writeImage,
} from '../src/index.js';
import { sharedSlab } from '../src/loader/batch-slabs.js';
import { batchTensor } from '../src/loader/batch-tensor.js';

let imdb: string;
beforeAll(async () => {
  await initBackend('wasm');
  imdb = await fs.mkdtemp(path.join(os.tmpdir(), 'recycle-'));
  const rows = Array.from({ length: 10 }, (_, i) => ({ age: 10 + 9 * i, path: `c/${i}.jpg`, split: 'train' as const }));
  for (const [i, r] of rows.entries())
    await writeImage(path.join(imdb, r.path), renderAgeImage(r.age, 24, rngFor(4, 'r', i), 12), 'jpeg');
  await writeAgeCsv(path.join(imdb, 'imdb_wiki.csv'), rows);
});
afterAll(async () => {
  await closeDataWorkers();
  await fs.rm(imdb, { recursive: true, force: true });
});

describe('shared batch buffers', () => {
  it('a released buffer is handed out again for the same size; other buffers and second releases are ignored', () => {
    const a = sharedSlab(1024);
    releaseSlab(a);
    releaseSlab(a); // ignored: not handed out any more
    releaseSlab(new SharedArrayBuffer(1024)); // ignored: not from the pool
    releaseSlab(new ArrayBuffer(1024));
    const before = slabPoolStats();
    expect(sharedSlab(1024)).toBe(a);
    expect(sharedSlab(1024)).not.toBe(a);
    expect(sharedSlab(2048)).not.toBe(a);
    const after = slabPoolStats();
    expect(after.reused - before.reused).toBe(1);
    expect(after.fresh - before.fresh).toBe(2);
  });

  it('rawBatches() on wasm: batch buffers copied into tensors go back to the pool', async () => {
    const ds = await open({});
    const before = slabPoolStats();
    for (const epoch of [0, 1, 2])
      for await (const b of ds.rawBatches({ epoch })) tf.dispose(batchTensor(b.x, b.shape));
    // 4 batches per epoch (3+3+3+1): after the first ones every full batch reuses a released buffer
    expect(slabPoolStats().reused - before.reused).toBeGreaterThanOrEqual(6);
  });
});

describe('batches() on the threaded wasm backend: the workers write into the tensors', () => {
  it('every tensor holds its own batch (all kept alive over three epochs), and nothing leaks', async () => {
    expect(canShareWasmTensors()).toBe(true);
    const expected = await rawEpochs(await open({}), [0, 1, 2]);
    const ds = await open({});
    const start = tf.memory().numTensors;
    const before = slabPoolStats();
    const xs: tf.Tensor[] = [];
    for (const epoch of [0, 1, 2])
      for await (const b of ds.batches({ epoch })) {
        xs.push(b.x);
        tf.dispose(b.y);
      }
    expect(slabPoolStats()).toEqual(before); // no shared buffers: the batches were the tensors
    expect(xs.map((t) => t.shape[0])).toEqual([3, 3, 3, 1, 3, 3, 3, 1, 3, 3, 3, 1]);
    for (const [i, t] of xs.entries()) expect(Array.from(await t.data())).toEqual(expected[i]);
    tf.dispose(xs);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('skipped bad samples: batches are copied, the same values as rawBatches, nothing leaks', async () => {
    const bad = path.join(imdb, 'c/4.jpg');
    const good = await fs.readFile(bad);
    await fs.writeFile(bad, Buffer.from('not a jpeg'));
    try {
      const opts = { onBadSample: 'skip' as const, onBadSamplesReport: () => {} };
      const expected = await rawEpochs(await open(opts), [0]);
      const ds = await open(opts);
      const start = tf.memory().numTensors;
      const got: number[][] = [];
      for await (const b of ds.batches({ epoch: 0 })) {
        got.push(Array.from(await b.x.data()));
        tf.dispose([b.x, b.y]);
      }
      expect(got.map((x) => x.length / (16 * 16 * 3))).toEqual([3, 3, 3]);
      expect(got).toEqual(expected);
      expect(tf.memory().numTensors).toBe(start);
    } finally {
      await fs.writeFile(bad, good);
    }
  });

  it('closing the workers in the middle of a pass: the pass fails with that error and leaks no tensor', async () => {
    const ds = await open({});
    await closeDataWorkers(); // a cold pool: its workers are still starting when they are closed below
    const start = tf.memory().numTensors;
    const pass = ds.batches({ epoch: 0 })[Symbol.asyncIterator]();
    const first = pass.next(); // allocates the look-ahead's tensors and hands their tasks to the workers
    await closeDataWorkers();
    await expect(first).rejects.toThrow(/pool was closed/);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('a consumer that stops early leaves no tensors behind (running tasks are awaited, then freed)', async () => {
    const ds = await open({});
    const start = tf.memory().numTensors;
    for await (const b of ds.batches({ epoch: 0 })) {
      tf.dispose([b.x, b.y]);
      break;
    }
    expect(tf.memory().numTensors).toBe(start);
  });
});

const open = (extra: Partial<Parameters<typeof openImdbWikiDir>[0]>) =>
  openImdbWikiDir({
    dir: imdb,
    split: 'train',
    imageSize: 16,
    augment: true,
    batchSize: 3,
    seed: 2,
    workers: 2,
    ...extra,
  });

async function rawEpochs(ds: Awaited<ReturnType<typeof openImdbWikiDir>>, epochs: number[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const epoch of epochs) for await (const b of ds.rawBatches({ epoch })) out.push(Array.from(b.x));
  return out;
}
