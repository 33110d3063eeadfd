import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ageHistogram,
  decodeGrey,
  makeSynthetic1d,
  makeSynthetic2d,
  matchDepthHistogram,
  NYUD2_TRAIN_BUCKET_COUNTS,
  openImdbWikiDir,
  openNyud2Dir,
  readNpy,
  renderAgeImage,
  rngFor,
  syntheticAgeRows,
  writeSyntheticAge,
  writeSyntheticDepth,
  writeSyntheticLinear,
} from '../src/index.js';

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const std = (a: number[]) => Math.sqrt(mean(a.map((v) => (v - mean(a)) ** 2)));

describe('synthetic-1d / synthetic-2d (spec §2.5)', () => {
  it('1-D normal: y in [0, 10] ~ N(5, 0.5), x = y − N(0, 1); val/test uniform with x = y; seeded', () => {
    const d = makeSynthetic1d({ seed: 1 });
    const y = d.train.y.map((v) => v[0]);
    expect(y).toHaveLength(1024);
    expect(Math.min(...y)).toBeGreaterThanOrEqual(0);
    expect(Math.abs(mean(y) - 5)).toBeLessThan(0.05);
    expect(Math.abs(std(y) - 0.5)).toBeLessThan(0.05);
    const eps = d.train.x.map((x, i) => y[i] - x[0]);
    expect(Math.abs(std(eps) - 1)).toBeLessThan(0.08);
    const vy = d.val.y.map((v) => v[0]);
    expect(Math.min(...vy)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...vy)).toBeLessThan(10);
    expect(d.val.x).toEqual(d.val.y);
    expect(makeSynthetic1d({ seed: 1 })).toEqual(d);
    expect(makeSynthetic1d({ seed: 2 }).train.y).not.toEqual(d.train.y);
  });

  it('1-D exponential: rate 2, trimmed to [0, 10]', () => {
    const y = makeSynthetic1d({ seed: 3, dist: 'exponential', param: 2 }).train.y.map((v) => v[0]);
    expect(Math.abs(mean(y) - 0.5)).toBeLessThan(0.06);
    expect(Math.max(...y)).toBeLessThanOrEqual(10);
  });

  it('2-D: y ~ MVN(0, [[1, .5], [.5, 1]]), x = A(y − ε), val x = A·y', () => {
    const d = makeSynthetic2d({ seed: 4 });
    const a = d.train.y.map((v) => v[0]);
    const b = d.train.y.map((v) => v[1]);
    const cov = mean(a.map((v, i) => (v - mean(a)) * (b[i] - mean(b))));
    expect(Math.abs(std(a) - 1)).toBeLessThan(0.08);
    expect(Math.abs(cov - 0.5)).toBeLessThan(0.08);
    expect(d.val.y).toHaveLength(256);
    const [y0, y1] = d.val.y[0];
    expect(d.val.x[0][0]).toBeCloseTo(d.A[0][0] * y0 + d.A[0][1] * y1, 12);
    expect(Math.max(...d.A.flat().map(Math.abs))).toBeLessThan(0.05);
  });

  it('writes CSVs that read back to the same numbers', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lin-'));
    const d = makeSynthetic2d({ seed: 5, nTrain: 3, nVal: 2, nTest: 2 });
    await writeSyntheticLinear(dir, d, { seed: 5 });
    const lines = (await fs.readFile(path.join(dir, 'train.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('x0,x1,y0,y1');
    expect(lines[1].split(',').map(Number)).toEqual([...d.train.x[0], ...d.train.y[0]]);
    expect(JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')).A).toEqual(d.A);
  });
});

describe('synthetic-age', () => {
  it('long-tailed pool, balanced val/test by the official recipe', () => {
    const h = ageHistogram({ shape: 'agedb', maxCount: 120, minCount: 4 });
    expect(h).toHaveLength(101);
    expect(h[35]).toBe(120);
    expect(Math.min(...h)).toBe(4);
    expect(h[0]).toBe(4);
    const rows = syntheticAgeRows({ seed: 0, maxCount: 120, maxSize: 10 });
    const count = (age: number, split: string) => rows.filter((r) => r.age === age && r.split === split).length;
    expect([count(35, 'val'), count(35, 'test'), count(35, 'train')]).toEqual([10, 10, 100]);
    expect([count(95, 'val'), count(95, 'test'), count(95, 'train')]).toEqual([1, 1, 2]);
    expect(syntheticAgeRows({ seed: 0, maxCount: 120 })).toEqual(rows);
  });

  it('the disk grows with the label; images are deterministic for a seed', () => {
    const disk = (label: number) => {
      const img = renderAgeImage(label, 32, rngFor(0, 'x'), 0);
      const bg = Array.from(img.data.slice(0, 3));
      let n = 0;
      for (let p = 0; p < 32 * 32; p++)
        if (Math.abs(img.data[p * 3] - bg[0]) + Math.abs(img.data[p * 3 + 1] - bg[1]) > 60) n++;
      return n;
    };
    expect(disk(0)).toBeLessThan(disk(50));
    expect(disk(50)).toBeLessThan(disk(100));
    expect(renderAgeImage(40, 32, rngFor(3, 'y')).data).toEqual(renderAgeImage(40, 32, rngFor(3, 'y')).data);
  });

  it('is written as IMDB-WIKI-DIR and read by openImdbWikiDir', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sage-'));
    const rows = await writeSyntheticAge(dir, { seed: 2, maxCount: 6, minCount: 3, maxAge: 20, size: 16, maxSize: 2 });
    const ds = await openImdbWikiDir({ dir, split: 'val', imageSize: 16, augment: false, batchSize: 64, seed: 0 });
    expect(ds.labels()).toEqual(rows.filter((r) => r.split === 'val').map((r) => r.age));
    expect(ds.size).toBe(21);
    let n = 0;
    for await (const b of ds.rawBatches()) n += b.indices.length;
    expect(n).toBe(21);
  });
});

describe('synthetic-depth', () => {
  it('quantile mapping follows the NYUD2-DIR training histogram', () => {
    const r = rngFor(0, 'h');
    const v = Float32Array.from({ length: 200_000 }, () => r() * 3 + r());
    matchDepthHistogram(v, NYUD2_TRAIN_BUCKET_COUNTS);
    const h = new Array(100).fill(0);
    for (const d of v) h[Math.min(99, Math.floor(d * 10))]++;
    const total = NYUD2_TRAIN_BUCKET_COUNTS.reduce((a, c) => a + c, 0);
    for (let b = 0; b < 100; b++)
      expect(Math.abs(h[b] / v.length - NYUD2_TRAIN_BUCKET_COUNTS[b] / total)).toBeLessThan(2e-4);
    expect(v.reduce((m, d) => Math.min(m, d), 10)).toBeGreaterThanOrEqual(0.7);
  });

  it('is written as NYUD2-DIR (8-bit train, 16-bit test, mask), deterministic, and read by openNyud2Dir', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'sdepth-'));
    const opts = {
      seed: 9,
      nTrain: 4,
      nTest: 2,
      width: 64,
      height: 48,
      crop: [96, 128] as [number, number],
      shortSide: 96,
    };
    await writeSyntheticDepth(path.join(root, 'a'), opts);
    await writeSyntheticDepth(path.join(root, 'b'), opts);
    for (const f of [
      'nyu2_train.csv',
      'nyu2_test.csv',
      'test_balanced_mask.npy',
      'nyu2_train/room_0_out/3.png',
      'nyu2_test/00001_depth.png',
    ])
      expect(await fs.readFile(path.join(root, 'a', f))).toEqual(await fs.readFile(path.join(root, 'b', f)));
    const dir = path.join(root, 'a');
    expect((await decodeGrey({ file: path.join(dir, 'nyu2_train/room_0_out/0.png') })).bits).toBe(8);
    const test = await decodeGrey({ file: path.join(dir, 'nyu2_test/00000_depth.png') });
    expect(test.bits).toBe(16);
    expect(Math.min(...test.data)).toBeGreaterThanOrEqual(700);
    expect(Math.max(...test.data)).toBeLessThanOrEqual(10_000);
    expect((await readNpy(path.join(dir, 'test_balanced_mask.npy'))).shape).toEqual([2, 96, 128]);
    const ds = await openNyud2Dir({ dir, split: 'train', batchSize: 4, crop: [96, 128], shortSide: 96 });
    for await (const b of ds.rawBatches()) expect(b.depthShape).toEqual([4, 48, 64, 1]);
  });
});
