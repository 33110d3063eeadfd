/**
 * synthetic-depth: rendered indoor-like scenes written as NYUD2-DIR (spec §2.3): JPEG RGB + 8-bit depth PNG for
 * train, PNG RGB + 16-bit depth PNG (mm) for test, header-less CSVs with `data/` paths, an FDS subset and the
 * balanced test mask. Depths are quantile-mapped onto the NYUD2-DIR training-pixel histogram (0.7–10 m).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { type NyuRow, writeNyuCsv } from '../csv/nyu-csv.js';
import { forEachLimit, writeGreyPng, writeImage } from '../fixtures/write-files.js';
import { NYUD2_FILES } from '../nyud2-dataset.js';
import { rngFor, sampleWithoutReplacement } from '../rng.js';
import { writeNyud2BalancedMask } from '../splits/nyud2-mask-dir.js';
import { renderDepthScene } from './depth-scene.js';
import { matchDepthHistogram } from './histogram-match.js';
import { NYUD2_TRAIN_BUCKET_COUNTS } from './nyud2-bucket-counts.js';

export interface SyntheticDepthOptions {
  seed: number;
  nTrain?: number;
  nTest?: number;
  /** rendered size (default 160×120; the loader's Scale(240) brings it to 320×240) */
  width?: number;
  height?: number;
  /** frames per scene folder (default 10) */
  framesPerScene?: number;
  /** FDS subset rows (default min(600, nTrain)) */
  fdsSubset?: number;
  /** crop and short side the balanced mask is built for (defaults [228, 304], 240) */
  crop?: [number, number];
  shortSide?: number;
}

export async function writeSyntheticDepth(
  dir: string,
  opts: SyntheticDepthOptions,
): Promise<{ train: NyuRow[]; test: NyuRow[] }> {
  const { seed, nTrain = 200, nTest = 40, width = 160, height = 120, framesPerScene = 10 } = opts;
  const out: { train: NyuRow[]; test: NyuRow[] } = { train: [], test: [] };
  for (const split of ['train', 'test'] as const) {
    const n = split === 'train' ? nTrain : nTest;
    const scenes = Array.from({ length: n }, (_, i) =>
      renderDepthScene(width, height, rngFor(seed, 'synthetic-depth', split, i)),
    );
    const all = new Float32Array(n * width * height);
    scenes.forEach((s, i) => {
      all.set(s.depth, i * width * height);
    });
    matchDepthHistogram(all, NYUD2_TRAIN_BUCKET_COUNTS);
    const rows: NyuRow[] = scenes.map((_, i) =>
      split === 'train'
        ? {
            rgb: `data/nyu2_train/room_${Math.floor(i / framesPerScene)}_out/${i % framesPerScene}.jpg`,
            depth: `data/nyu2_train/room_${Math.floor(i / framesPerScene)}_out/${i % framesPerScene}.png`,
          }
        : {
            rgb: `data/nyu2_test/${String(i).padStart(5, '0')}_colors.png`,
            depth: `data/nyu2_test/${String(i).padStart(5, '0')}_depth.png`,
          },
    );
    const strip = (p: string) => path.join(dir, ...p.split('/').slice(1));
    await forEachLimit(scenes, 8, async (s, i) => {
      const px = width * height;
      const d = all.subarray(i * px, (i + 1) * px);
      const data = split === 'train' ? new Uint8Array(px) : new Uint16Array(px);
      for (let k = 0; k < px; k++)
        data[k] = split === 'train' ? Math.round((d[k] / 10) * 255) : Math.round(d[k] * 1000);
      await writeImage(strip(rows[i].rgb), s.rgb, split === 'train' ? 'jpeg' : 'png');
      await writeGreyPng(strip(rows[i].depth), { width, height, bits: split === 'train' ? 8 : 16, data });
    });
    await writeNyuCsv(path.join(dir, NYUD2_FILES[split]), rows);
    out[split] = rows;
  }
  const nFds = Math.min(opts.fdsSubset ?? 600, nTrain);
  const pick = sampleWithoutReplacement(nTrain, nFds, rngFor(seed, 'synthetic-depth', 'fds')).sort((a, b) => a - b);
  await writeNyuCsv(
    path.join(dir, NYUD2_FILES.fds),
    pick.map((i) => out.train[i]),
  );
  const mask = await writeNyud2BalancedMask(dir, { seed, crop: opts.crop, shortSide: opts.shortSide });
  await fs.writeFile(
    path.join(dir, 'meta.json'),
    `${JSON.stringify({ generator: 'synthetic-depth', seed, nTrain, nTest, width, height, crop: opts.crop ?? [228, 304], shortSide: opts.shortSide ?? 240, maskPixelsPerBin: mask.perBin }, null, 2)}\n`,
  );
  return out;
}
