/**
 * The balanced val/test split of the age datasets (`make_balanced_testset`, spec §2.1/§2.2): per integer age
 * 0..maxAge, shuffle that age's images, n = min(⌊len/3⌋, maxSize); first n → val, next n → test, rest → train.
 * Other ages go to train. The official code shuffles with Python's `random` (seed 666); this uses seedrandom,
 * so the same seed gives a different (equally balanced) split — use the official CSV to reproduce the paper.
 */
import type { AgeRow } from '../csv/age-csv.js';
import { rngFor, shuffleInPlace } from '../rng.js';

export interface BalancedSplitOptions {
  /** 150 for IMDB-WIKI-DIR, 30 for AgeDB-DIR */
  maxSize: number;
  seed?: number;
  /** ages above this only go to train (default 120) */
  maxAge?: number;
}

/** Returns the rows in input order with `split` set. */
export function makeBalancedSplit(rows: readonly AgeRow[], opts: BalancedSplitOptions): AgeRow[] {
  const { maxSize, seed = 666, maxAge = 120 } = opts;
  const out: AgeRow[] = rows.map((r) => ({ ...r, split: 'train' }));
  const byAge = new Map<number, number[]>();
  out.forEach((r, i) => {
    if (Number.isInteger(r.age) && r.age >= 0 && r.age <= maxAge) {
      const list = byAge.get(r.age) ?? [];
      list.push(i);
      byAge.set(r.age, list);
    }
  });
  for (let age = 0; age <= maxAge; age++) {
    const idx = byAge.get(age);
    if (!idx) continue;
    shuffleInPlace(idx, rngFor(seed, 'balanced-split', age));
    const n = Math.min(Math.floor(idx.length / 3), maxSize);
    for (let k = 0; k < n; k++) out[idx[k]].split = 'val';
    for (let k = n; k < 2 * n; k++) out[idx[k]].split = 'test';
  }
  return out;
}
