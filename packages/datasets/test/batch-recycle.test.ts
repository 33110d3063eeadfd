/** Recycling of shared batch buffers (loader/batch-slabs.ts) and the wasm tensors made from them. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initBackend, tf } from '@bmse/backend';
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

  it('on wasm, batches() recycles its buffers and every tensor keeps its own values', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const open = () =>
      openImdbWikiDir({ dir: imdb, split: 'train', imageSize: 16, augment: true, batchSize: 3, seed: 2, workers: 2 });
    const ds = await open();
    const expected: number[][] = [];
    for (const epoch of [0, 1, 2]) for await (const b of ds.rawBatches({ epoch })) expected.push(Array.from(b.x));
    const before = slabPoolStats();
    const tensors: tf.Tensor[] = [];
    const ds2 = await open();
    for (const epoch of [0, 1, 2])
      for await (const b of ds2.batches({ epoch })) {
        tensors.push(b.x);
        tf.dispose(b.y);
      }
    const after = slabPoolStats();
    // 4 batches per epoch (3+3+3+1): after the first ones every full batch reuses a released buffer
    expect(after.reused - before.reused).toBeGreaterThanOrEqual(6);
    expect(tensors).toHaveLength(expected.length);
    for (const [i, t] of tensors.entries()) expect(Array.from(await t.data())).toEqual(expected[i]);
    tf.dispose(tensors);
  });
});
