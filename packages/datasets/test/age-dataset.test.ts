import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AgeDataset,
  DEFAULT_AGE_SAMPLES,
  decodeRgb,
  fixtureColor,
  openAgeDbDir,
  openImdbWikiDir,
  writeAgeFixture,
} from '../src/index.js';

let imdb: string;
let agedb: string;
beforeAll(async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'age-'));
  imdb = path.join(root, 'imdb');
  agedb = path.join(root, 'agedb');
  await writeAgeFixture(imdb, { kind: 'imdb-wiki' });
  await writeAgeFixture(agedb, { kind: 'agedb' });
});

async function collect(ds: AgeDataset, epoch = 0) {
  const out: { x: number[]; y: number[]; paths: string[] }[] = [];
  for await (const b of ds.rawBatches({ epoch })) out.push({ x: Array.from(b.x), y: Array.from(b.y), paths: b.paths });
  return out;
}

describe('IMDB-WIKI-DIR / AgeDB-DIR loader', () => {
  it('labels and paths in file order of the split', async () => {
    const train = await openImdbWikiDir({
      dir: imdb,
      split: 'train',
      imageSize: 8,
      augment: false,
      batchSize: 3,
      seed: 0,
    });
    expect(train.labels()).toEqual([23, 31, 31, 45, 2, 67, 88, 19]);
    expect(train.size).toBe(8);
    expect(train.paths()[0]).toBe('imdb_crop/00/nm0000000_rm0_1977-1-1_2000.jpg');
    expect(train.paths()[1]).toBe('wiki_crop/01/1_1969-1-1_2000.jpg');
    const test = await openAgeDbDir({ dir: agedb, split: 'test', imageSize: 8, augment: false, batchSize: 3, seed: 0 });
    expect(test.labels()).toEqual([31, 45]);
    expect(test.paths()).toEqual(['AgeDB/1010_Person10_31_m.jpg', 'AgeDB/1011_Person11_45_f.jpg']);
  });

  it('eval batches: tensors [B, S, S, 3] / [B, 1] / w, the flat colour normalised', async () => {
    const ds = await openImdbWikiDir({
      dir: imdb,
      split: 'val',
      imageSize: 8,
      augment: false,
      batchSize: 4,
      seed: 0,
      weights: [0.5, 2],
    });
    const before = tf.memory().numTensors;
    const batches = [];
    for await (const b of ds.batches()) batches.push(b);
    expect(batches).toHaveLength(1);
    const b = batches[0];
    expect(b.x.shape).toEqual([2, 8, 8, 3]);
    expect(b.y.shape).toEqual([2, 1]);
    expect(Array.from(await b.y.data())).toEqual([31, 45]);
    expect(Array.from(await b.w!.data())).toEqual([0.5, 2]);
    expect(b.paths).toEqual(ds.paths());
    const x = await b.x.data();
    // the JPEG of a flat colour decodes to (almost) that colour; every pixel equals the decoded one
    const decoded = await decodeRgb({ file: path.join(imdb, ds.paths()[0]) }, { width: 8, height: 8 });
    for (let c = 0; c < 3; c++) {
      expect(x[c]).toBeCloseTo(decoded.data[c] / 127.5 - 1, 6);
      expect(Math.abs(decoded.data[c] - fixtureColor(8)[c])).toBeLessThanOrEqual(2);
      expect(x[63 * 3 + c]).toBeCloseTo(x[c], 6);
    }
    tf.dispose([b.x, b.y, b.w!]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('train: shuffled, augmented, deterministic for a seed whatever the prefetch depth', async () => {
    const open = (prefetch: number, seed = 7) =>
      openImdbWikiDir({ dir: imdb, split: 'train', imageSize: 8, augment: true, batchSize: 3, seed, prefetch });
    const a = await collect(await open(0));
    const b = await collect(await open(5));
    expect(b).toEqual(a);
    expect(a.map((x) => x.y.length)).toEqual([3, 3, 2]);
    expect(a.flatMap((x) => x.y).sort((p, q) => p - q)).toEqual([2, 19, 23, 31, 31, 45, 67, 88]);
    expect(a.flatMap((x) => x.y)).not.toEqual([23, 31, 31, 45, 2, 67, 88, 19]);
    // padding round(16·8/224) = 1: some augmented images show the zero border (−1 after normalisation)
    expect(a.some((x) => x.x.some((v) => v === -1))).toBe(true);
    const other = await collect(await open(0), 1);
    expect(other).not.toEqual(a);
    expect(await collect(await open(0, 8))).not.toEqual(a);
  });

  it('rejects weights that do not align with the labels', async () => {
    await expect(
      openImdbWikiDir({ dir: imdb, split: 'val', augment: false, batchSize: 2, seed: 0, weights: [1, 2, 3] }),
    ).rejects.toThrow('weights has 3 entries, the val split has 2 samples');
  });
});

describe('bad input', () => {
  it('a missing image, a truncated JPEG and a non-image name file and row; skip mode reports them', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'agebad-'));
    const samples = DEFAULT_AGE_SAMPLES.slice(8, 10).concat(DEFAULT_AGE_SAMPLES.slice(8, 10));
    const rows = await writeAgeFixture(dir, { kind: 'agedb', samples });
    await fs.rm(path.join(dir, rows[0].path));
    const jpg = await fs.readFile(path.join(dir, rows[1].path));
    await fs.writeFile(path.join(dir, rows[1].path), jpg.subarray(0, jpg.length >> 1));
    await fs.writeFile(path.join(dir, rows[2].path), 'not an image');
    const open = (onBadSample: 'error' | 'skip', onBadSamplesReport?: (x: readonly { message: string }[]) => void) =>
      openAgeDbDir({
        dir,
        split: 'val',
        imageSize: 8,
        augment: false,
        batchSize: 2,
        seed: 0,
        onBadSample,
        onBadSamplesReport,
      });
    const strict = await open('error');
    await expect(collect(strict)).rejects.toThrow(`${path.join(dir, rows[0].path)}, row 2: image file is missing`);
    const reports: string[][] = [];
    const lenient = await open('skip', (items) => reports.push(items.map((i) => i.message)));
    const got = await collect(lenient);
    expect(got.map((b) => b.paths)).toEqual([[rows[3].path]]);
    expect(reports).toHaveLength(1);
    expect(reports[0][0]).toBe(`${path.join(dir, rows[0].path)}, row 2: image file is missing`);
    expect(reports[0][1]).toMatch(
      new RegExp(
        `^${path.join(dir, rows[1].path)}, row 3: corrupt or truncated image: .*(premature end|corrupt header)`,
        'i',
      ),
    );
    expect(reports[0][2]).toMatch(
      new RegExp(
        `^${path.join(dir, rows[2].path)}, row 4: corrupt or truncated image: .*unsupported image format`,
        'i',
      ),
    );
  });

  it('maxTarget: an age the recipe cannot bin in any split fails the open; lines() and csv locate the samples', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'agebins-'));
    const rows = await writeAgeFixture(dir, { kind: 'imdb-wiki', samples: DEFAULT_AGE_SAMPLES.slice(0, 2) });
    const csv = path.join(dir, 'imdb_wiki.csv');
    const opts = { dir, split: 'train' as const, augment: false, batchSize: 2, seed: 0, maxTarget: 121 };
    const ds = await openImdbWikiDir(opts);
    expect(ds.csv).toBe(csv);
    expect(ds.lines()).toEqual(rows.flatMap((r, i) => (r.split === 'train' ? [i + 2] : [])));
    await fs.appendFile(csv, `150,${rows[0].path},test\n`);
    await expect(openImdbWikiDir(opts)).rejects.toThrow(
      `${csv}, row ${rows.length + 2}, field 'age': age 150 is outside [0, 121) (the ages the recipe bins: int(age) in 0..120)`,
    );
    // without maxTarget the CSV's own range applies
    expect((await openImdbWikiDir({ ...opts, maxTarget: undefined })).size).toBe(ds.size);
  });

  it('skip mode drops bad CSV rows and keeps the good ones', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'agecsv-'));
    const rows = await writeAgeFixture(dir, { kind: 'imdb-wiki', samples: DEFAULT_AGE_SAMPLES.slice(0, 2) });
    const csv = path.join(dir, 'imdb_wiki.csv');
    await fs.appendFile(csv, `abc,${rows[0].path},train\n`);
    await expect(openImdbWikiDir({ dir, split: 'train', augment: false, batchSize: 2, seed: 0 })).rejects.toThrow(
      `${csv}, row 4, field 'age': age 'abc' is not a number; ages must lie in [0, 200]`,
    );
    const ds = await openImdbWikiDir({
      dir,
      split: 'train',
      augment: false,
      batchSize: 2,
      seed: 0,
      onBadSample: 'skip',
    });
    expect(ds.labels()).toEqual([23, 31]);
    expect(ds.badSamples.map((b) => b.row)).toEqual([4]);
  });
});
