/**
 * synthetic-age: small rendered images whose integer label 0..100 is the radius of a soft-edged disk, with
 * nuisance variation (position, colours, background gradient, pixel noise). The pool follows a long-tailed
 * histogram; val/test come from the official balanced-split recipe; written as IMDB-WIKI-DIR
 * (`imdb_wiki.csv` + JPEGs) so `openImdbWikiDir` reads it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { type AgeRow, writeAgeCsv } from '../csv/age-csv.js';
import { forEachLimit, writeImage } from '../fixtures/write-files.js';
import type { RgbImage } from '../image/decode.js';
import { normal, type Rng, randInt, rngFor, uniform } from '../rng.js';
import { makeBalancedSplit } from '../splits/balanced-split.js';
import { type AgeHistogramOptions, ageHistogram } from './age-histogram.js';

export interface SyntheticAgeOptions extends AgeHistogramOptions {
  seed: number;
  /** square image side (default 32) */
  size?: number;
  /** balanced val/test images per age at most (default 10) */
  maxSize?: number;
  /** pixel noise σ in 0..255 units (default 10) */
  noise?: number;
}

/** Disk radius for a label: from 8 % to 42 % of the side, linear in the label. */
export function ageRadius(label: number, size: number): number {
  return size * (0.08 + (0.34 * label) / 100);
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Renders one image for `label` (deterministic for the rng state). */
export function renderAgeImage(label: number, size: number, rng: Rng, noise = 10): RgbImage {
  const r = ageRadius(label, size);
  const margin = Math.max(0, size / 2 - r - 1);
  const cx = size / 2 + uniform(rng, -margin, margin);
  const cy = size / 2 + uniform(rng, -margin, margin);
  const bg = [randInt(rng, 0, 255), randInt(rng, 0, 255), randInt(rng, 0, 255)];
  // the disk differs from the background by at least 80 in mean brightness
  const light = bg[0] + bg[1] + bg[2] < 384;
  const fg = [0, 1, 2].map(() => (light ? randInt(rng, 170, 255) : randInt(rng, 0, 85)));
  const gx = uniform(rng, -30, 30);
  const gy = uniform(rng, -30, 30);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const dist = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      const cover = Math.min(1, Math.max(0, r - dist + 0.5));
      const shade = (gx * (x - size / 2)) / size + (gy * (y - size / 2)) / size;
      for (let c = 0; c < 3; c++) {
        const v = (1 - cover) * (bg[c] + shade) + cover * fg[c] + normal(rng, 0, noise);
        data[(y * size + x) * 3 + c] = clamp8(v);
      }
    }
  return { width: size, height: size, data };
}

/** Rows of the synthetic pool with their balanced split (no files written). */
export function syntheticAgeRows(opts: SyntheticAgeOptions): AgeRow[] {
  const counts = ageHistogram(opts);
  const rows: AgeRow[] = [];
  counts.forEach((n, age) => {
    for (let k = 0; k < n; k++)
      rows.push({ age, path: `images/${String(age).padStart(3, '0')}_${String(k).padStart(5, '0')}.jpg` });
  });
  return makeBalancedSplit(rows, { maxSize: opts.maxSize ?? 10, seed: opts.seed, maxAge: 120 });
}

export async function writeSyntheticAge(dir: string, opts: SyntheticAgeOptions): Promise<AgeRow[]> {
  const size = opts.size ?? 32;
  const rows = syntheticAgeRows(opts);
  await fs.mkdir(path.join(dir, 'images'), { recursive: true });
  await forEachLimit(rows, 8, async (r) => {
    const img = renderAgeImage(r.age, size, rngFor(opts.seed, 'synthetic-age', r.path), opts.noise ?? 10);
    await writeImage(path.join(dir, r.path), img, 'jpeg');
  });
  await writeAgeCsv(path.join(dir, 'imdb_wiki.csv'), rows);
  const { seed, shape = 'agedb', maxCount = 120, minCount = 4, maxSize = 10, noise = 10 } = opts;
  await fs.writeFile(
    path.join(dir, 'meta.json'),
    `${JSON.stringify({ generator: 'synthetic-age', seed, size, shape, maxCount, minCount, maxSize, noise, images: rows.length }, null, 2)}\n`,
  );
  return rows;
}
