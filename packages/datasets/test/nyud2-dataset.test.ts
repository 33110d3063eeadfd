import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureDepth, type Nyud2Dataset, openNyud2Dir, readNpy, writeNpy, writeNyud2Fixture } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nyu-'));
  await writeNyud2Fixture(dir, { train: 4, test: 2, width: 64, height: 48 });
});

async function collect(ds: Nyud2Dataset, epoch = 0) {
  const out: { x: Float32Array; depth: Float32Array; mask?: Uint8Array; paths: string[] }[] = [];
  for await (const b of ds.rawBatches({ epoch })) out.push(b);
  return out;
}

describe('NYUD2-DIR fixture layout', () => {
  it('writes header-less CSVs with data/ paths, 8-bit train and 16-bit test depth, the FDS subset and the mask', async () => {
    expect((await fs.readFile(path.join(dir, 'nyu2_train.csv'), 'utf8')).split('\n')[0]).toBe(
      'data/nyu2_train/scene_0_out/0.jpg,data/nyu2_train/scene_0_out/0.png',
    );
    expect((await fs.readFile(path.join(dir, 'nyu2_test.csv'), 'utf8')).split('\n')[1]).toBe(
      'data/nyu2_test/00001_colors.png,data/nyu2_test/00001_depth.png',
    );
    expect((await fs.readFile(path.join(dir, 'nyu2_train_FDS_subset.csv'), 'utf8')).trim().split('\n')).toHaveLength(2);
    const mask = await readNpy(path.join(dir, 'test_balanced_mask.npy'));
    expect(mask.dtype).toBe('|u1');
    expect(mask.shape).toEqual([2, 228, 304]);
  });
});

describe('NYUD2-DIR loader (spec §2.3)', () => {
  it('test: x [B, 228, 304, 3], depth at the crop in metres (16-bit / 1000), mask [B, 228, 304, 1]', async () => {
    const ds = await openNyud2Dir({ dir, split: 'test', batchSize: 2 });
    expect(ds.hasMask).toBe(true);
    const before = tf.memory().numTensors;
    for await (const b of ds.batches()) {
      expect(b.x.shape).toEqual([2, 228, 304, 3]);
      expect(b.depth.shape).toEqual([2, 228, 304, 1]);
      expect(b.mask!.shape).toEqual([2, 228, 304, 1]);
      const d = await b.depth.data();
      // 64 → 320 wide (nearest: source column trunc((x + 0.5)/5)), crop from x = 8
      expect(d[0]).toBeCloseTo(Math.round(fixtureDepth(1, 64) * 1000) / 1000, 6);
      expect(d[303]).toBeCloseTo(Math.round(fixtureDepth(62, 64) * 1000) / 1000, 6);
      const m = await b.mask!.data();
      const kept = Array.from(m).reduce((s, v) => s + v, 0);
      expect(kept).toBeGreaterThan(0);
      tf.dispose([b.x, b.depth, b.mask!]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('train: depth [B, 114, 152, 1] from 8-bit PNG (v/255·10), augmented, deterministic across prefetch', async () => {
    const a = await collect(await openNyud2Dir({ dir, split: 'train', batchSize: 3, seed: 3, prefetch: 0 }));
    const b = await collect(await openNyud2Dir({ dir, split: 'train', batchSize: 3, seed: 3, prefetch: 4 }));
    expect(a.map((x) => x.x.length)).toEqual([3 * 228 * 304 * 3, 228 * 304 * 3]);
    expect(a.map((x) => x.depth.length)).toEqual([3 * 114 * 152, 114 * 152]);
    // compare bytes (deep-equal over big typed arrays is slow)
    const bytes = (r: typeof a) =>
      r.map((x) => Buffer.concat([Buffer.from(x.x.buffer), Buffer.from(x.depth.buffer)]).toString('base64'));
    expect(bytes(b)).toEqual(bytes(a));
    const all = a.flatMap((x) => Array.from(x.depth));
    // 8-bit quantisation: every value is k/255·10
    for (const v of all.slice(0, 500)) expect(Math.abs(v * 25.5 - Math.round(v * 25.5))).toBeLessThan(1e-4);
    expect(Math.max(...all)).toBeLessThanOrEqual(10);
    const c = await collect(await openNyud2Dir({ dir, split: 'train', batchSize: 3, seed: 4 }));
    expect(c.map((x) => x.paths)).not.toEqual(a.map((x) => x.paths));
  });

  it('FDS subset: no augmentation, depth 114×152, the centre crop of the ramp', async () => {
    const ds = await openNyud2Dir({ dir, split: 'fds', batchSize: 8 });
    const [b] = await collect(ds);
    expect(b.paths).toEqual(['data/nyu2_train/scene_0_out/0.jpg', 'data/nyu2_train/scene_1_out/1.jpg']);
    // depth increases left to right on every row
    expect(b.depth[10 * 152 + 140]).toBeGreaterThan(b.depth[10 * 152 + 10]);
  });

  it('a mask whose shape does not match names the file', async () => {
    const bad = path.join(dir, 'bad_mask.npy');
    await writeNpy(bad, { dtype: '|u1', shape: [3, 228, 304], data: new Uint8Array(3 * 228 * 304) });
    await expect(openNyud2Dir({ dir, split: 'test', batchSize: 1, mask: 'bad_mask.npy' })).rejects.toThrow(
      `${bad}, field 'shape': mask shape (3, 228, 304) does not match (2, 228, 304) = (test rows, crop H, crop W)`,
    );
  });

  it('a missing depth PNG names the file and CSV row', async () => {
    const d2 = await fs.mkdtemp(path.join(os.tmpdir(), 'nyubad-'));
    await writeNyud2Fixture(d2, { train: 2, test: 1, width: 32, height: 24 });
    await fs.rm(path.join(d2, 'nyu2_train/scene_1_out/1.png'));
    const ds = await openNyud2Dir({ dir: d2, split: 'train', batchSize: 2, shuffle: false });
    await expect(collect(ds)).rejects.toThrow(
      `${path.join(d2, 'nyu2_train/scene_1_out/1.png')}, row 2: image file is missing`,
    );
  });
});
