/** Decode + transform in worker_threads: same batches for any worker count, errors, buffers, process exit. */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tf } from '@bmse/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeDataWorkers,
  DatasetError,
  openImdbWikiDir,
  openNyud2Dir,
  renderAgeImage,
  rngFor,
  SamplePool,
  type SampleTask,
  writeAgeCsv,
  writeImage,
  writeSyntheticDepth,
} from '../src/index.js';
import { stack } from '../src/loader/prefetch.js';

let root: string;
let imdb: string;
let nyu: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'workers-'));
  imdb = path.join(root, 'imdb');
  nyu = path.join(root, 'nyu');
  const rows = Array.from({ length: 11 }, (_, i) => ({
    age: 20 + 5 * i,
    path: `imdb_crop/0${i % 3}/${i}.jpg`,
    split: 'train' as const,
  }));
  for (const [i, r] of rows.entries())
    await writeImage(path.join(imdb, r.path), renderAgeImage(r.age, 40, rngFor(1, 'w', i), 12), 'jpeg');
  await writeAgeCsv(path.join(imdb, 'imdb_wiki.csv'), rows);
  await writeSyntheticDepth(nyu, { seed: 2, nTrain: 7, nTest: 1, width: 160, height: 120, framesPerScene: 3 });
});
afterAll(() => closeDataWorkers());

/** Each batch as base64 of its bytes, with its paths. */
async function fingerprint(it: AsyncIterable<{ paths: string[] }>) {
  const out: string[] = [];
  for await (const b of it) {
    const arrays = Object.values(b as object).filter((v): v is Float32Array => v instanceof Float32Array);
    out.push(
      [
        b.paths.join(','),
        ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')),
      ].join('|'),
    );
  }
  return out;
}

describe('data workers: identical batches for 0, 1 and 2 workers', () => {
  it('IMDB-WIKI-DIR train (augmented, shuffled), two epochs', async () => {
    const open = (workers: number) =>
      openImdbWikiDir({ dir: imdb, split: 'train', imageSize: 32, augment: true, batchSize: 4, seed: 5, workers });
    const runs: string[][] = [];
    for (const workers of [0, 1, 2]) {
      const ds = await open(workers);
      runs.push([
        ...(await fingerprint(ds.rawBatches({ epoch: 0 }))),
        ...(await fingerprint(ds.rawBatches({ epoch: 1 }))),
      ]);
    }
    expect(runs[0]).toHaveLength(6);
    expect(runs[0].slice(0, 3)).not.toEqual(runs[0].slice(3)); // the epochs differ
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  it('NYUD2-DIR train (flip, spline rotation, colour) and test', async () => {
    const small = { shortSide: 120, crop: [114, 152] as [number, number] };
    const runs: string[][] = [];
    for (const workers of [0, 1, 2]) {
      const train = await openNyud2Dir({
        dir: nyu,
        split: 'train',
        batchSize: 3,
        seed: 9,
        workers,
        prefetch: 1,
        ...small,
      });
      runs.push(await fingerprint(train.rawBatches({ epoch: 3 })));
    }
    expect(runs[0]).toHaveLength(3);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    const test0 = await openNyud2Dir({ dir: nyu, split: 'test', batchSize: 1, workers: 0, mask: false, ...small });
    const test2 = await openNyud2Dir({ dir: nyu, split: 'test', batchSize: 1, workers: 2, mask: false, ...small });
    expect(await fingerprint(test2.rawBatches())).toEqual(await fingerprint(test0.rawBatches()));
  });
});

describe('batch buffers', () => {
  it('a batch is the buffer its samples were written into: shared with workers, plain without, no copy', async () => {
    for (const workers of [0, 2]) {
      const ds = await openImdbWikiDir({
        dir: imdb,
        split: 'train',
        imageSize: 8,
        augment: false,
        batchSize: 4,
        seed: 0,
        workers,
      });
      const sizes: number[] = [];
      for await (const b of ds.rawBatches()) {
        expect(b.x.buffer).toBeInstanceOf(workers > 0 ? SharedArrayBuffer : ArrayBuffer);
        expect(b.x.byteOffset).toBe(0);
        expect(b.x.buffer.byteLength).toBe(b.x.byteLength);
        sizes.push(b.x.length / (8 * 8 * 3));
      }
      expect(sizes).toEqual([4, 4, 3]);
      // tensors from shared memory hold the same values
      for await (const b of ds.batches({ epoch: 0 })) {
        const raw = (await ds.rawBatches({ epoch: 0 })[Symbol.asyncIterator]().next()).value!;
        expect(Array.from(await b.x.data())).toEqual(Array.from(raw.x));
        tf.dispose([b.x, b.y]);
        break;
      }
    }
  });

  it('stack: views that tile one buffer in order are returned as that buffer, anything else is copied', () => {
    const buf = new SharedArrayBuffer(6 * 4);
    const views = [0, 1, 2].map((i) => new Float32Array(buf, i * 8, 2));
    for (const [i, v] of views.entries()) v.set([i, i + 0.5]);
    const whole = stack(views);
    expect(whole.buffer).toBe(buf);
    expect(Array.from(whole)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    const swapped = stack([views[1], views[0], views[2]]);
    expect(swapped.buffer).not.toBe(buf);
    expect(Array.from(swapped)).toEqual([1, 1.5, 0, 0.5, 2, 2.5]);
    const partial = stack(views.slice(0, 2));
    expect(partial.buffer).not.toBe(buf);
    expect(Array.from(partial)).toEqual([0, 0.5, 1, 1.5]);
  });
});

describe('data workers: errors and results', () => {
  it('a bad image in a worker is a DatasetError naming the file and CSV row; skip mode still works', async () => {
    const dir = path.join(root, 'bad');
    await fs.cp(imdb, dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'imdb_crop/01/4.jpg'), Buffer.from('not a jpeg'));
    await fs.rm(path.join(dir, 'imdb_crop/02/8.jpg'));
    const opts = { dir, split: 'train' as const, imageSize: 16, augment: false, batchSize: 4, seed: 0, workers: 2 };
    const ds = await openImdbWikiDir({ ...opts, shuffle: false });
    const err = await (async () => {
      for await (const _ of ds.rawBatches());
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).file).toBe(path.join(dir, 'imdb_crop/01/4.jpg'));
    expect((err as DatasetError).row).toBe(6); // header + 5th record
    expect((err as DatasetError).message).toMatch(/imdb_crop\/01\/4\.jpg, row 6: corrupt or truncated image/);
    const reported: string[] = [];
    const skip = await openImdbWikiDir({
      ...opts,
      onBadSample: 'skip',
      onBadSamplesReport: (items) => reported.push(...items.map((b) => b.message)),
    });
    let n = 0;
    for await (const b of skip.rawBatches()) n += b.indices.length;
    expect(n).toBe(9);
    expect(reported).toHaveLength(2);
    expect(reported.join('\n')).toMatch(/row 10: image file is missing/);
  });

  it('a pool returns whole, transferred result buffers and survives a failing task', async () => {
    const pool = new SamplePool(1);
    try {
      const task: SampleTask = {
        kind: 'age',
        file: path.join(imdb, 'imdb_crop/00/0.jpg'),
        row: 2,
        size: 8,
        padding: 1,
        augment: true,
        seed: 0,
        epoch: 0,
        index: 0,
      };
      const [x] = await pool.run(task);
      expect(x).toBeInstanceOf(Float32Array);
      expect(x.length).toBe(8 * 8 * 3);
      expect(x.buffer.byteLength).toBe(x.byteLength);
      const bad = await pool.run({ ...task, file: path.join(imdb, 'nope.jpg') }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(DatasetError);
      expect((bad as Error).message).toBe(`${path.join(imdb, 'nope.jpg')}, row 2: image file is missing`);
      const [again] = await pool.run(task);
      expect(Array.from(again)).toEqual(Array.from(x));
    } finally {
      await pool.close();
    }
    await expect(pool.run({} as SampleTask)).rejects.toThrow(/closed/);
  });

  it('a script run as node --input-type=module -e with flags workers reject gets its batches', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const index = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/index.ts')).href;
    const code = [
      `import { openImdbWikiDir, closeDataWorkers } from ${JSON.stringify(index)};`,
      `const ds = await openImdbWikiDir({ dir: ${JSON.stringify(imdb)}, split: 'train', imageSize: 16, batchSize: 4, seed: 0, workers: 2 });`,
      'let n = 0;',
      'for await (const b of ds.rawBatches()) n += b.indices.length;',
      'await closeDataWorkers();',
      "console.log('samples', n);",
    ].join('\n');
    const res = await run(process.execPath, [
      '--conditions=source',
      '--import',
      tsx,
      '--max-old-space-size=2048',
      '--title=bmse-eval-script',
      '--input-type=module',
      '-e',
      code,
    ]);
    expect(res.out).toBe('samples 11\n');
    expect(res.code).toBe(0);
  });

  it('a process that used the workers exits without closing them', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const { out, code } = await run(process.execPath, [
      '--conditions=source',
      '--import',
      tsx,
      path.join(here, 'fixtures', 'one-pass.ts'),
      imdb,
    ]);
    expect(out).toMatch(/samples 11 on 2 workers, 192 values from a pool of 3/);
    expect(code).toBe(0);
  });
});

/** Runs a command to its end (90 s at most); stdout and stderr together. */
async function run(cmd: string, args: string[]): Promise<{ out: string; code: number | null }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill();
      resolve(null);
    }, 90_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { out, code };
}
