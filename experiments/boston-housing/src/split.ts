/**
 * A deterministic train/val/test split of the official sizes (358 / 66 / 82; spec §2.4), whose
 * validation and test sets are as balanced over integer MEDV as the data allows and whose training
 * set keeps the rest (so it is imbalanced: the frequent bins keep most of their samples).
 */
import seedrandom from 'seedrandom';
import { MAX_TARGET } from './data.js';

export interface SplitSizes {
  val: number;
  test: number;
}
export const OFFICIAL_SIZES: SplitSizes = { val: 66, test: 82 };

export interface Split {
  train: number[];
  val: number[];
  test: number[];
}

/** The integer bin of a label, as `_prepare_weights` and `shot_metrics` bin it. */
export const binOf = (y: number): number => Math.min(MAX_TARGET - 1, Math.trunc(y));

function shuffled<T>(items: T[], rng: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// #region split
/**
 * Round-robin over the integer MEDV bins: the test set takes one sample from every bin that still
 * has one, bin after bin, round after round, until it has its size; then the validation set does
 * the same with what is left; the training set is the rest. Bins are visited in an order shuffled
 * once (so a last, partial round favours no end of the label range), samples within a bin in a
 * shuffled order; both from `seedrandom(seed)`.
 */
export function balancedSplit(
  medv: number[],
  sizes: SplitSizes = OFFICIAL_SIZES,
  seed = 'boston-housing-split',
): Split {
  const rng = seedrandom(seed);
  const pools = new Map<number, number[]>();
  for (const [i, y] of medv.entries()) {
    const pool = pools.get(binOf(y));
    if (pool) pool.push(i);
    else pools.set(binOf(y), [i]);
  }
  const binOrder = shuffled(
    [...pools.keys()].sort((a, b) => a - b),
    rng,
  );
  for (const b of binOrder) pools.set(b, shuffled(pools.get(b) ?? [], rng));
  const take = (n: number): number[] => {
    const picked: number[] = [];
    while (picked.length < n) {
      const before = picked.length;
      for (const b of binOrder) {
        const pool = pools.get(b) ?? [];
        if (pool.length && picked.length < n) picked.push(pool.shift() as number);
      }
      if (picked.length === before) throw new Error(`balancedSplit: ${n} samples asked, only ${before} left`);
    }
    return picked.sort((a, b) => a - b);
  };
  const test = take(sizes.test);
  const val = take(sizes.val);
  const train = [...pools.values()].flat().sort((a, b) => a - b);
  return { train, val, test };
}
// #endregion split

/** Samples per integer bin 0..MAX_TARGET−1. */
export function binCounts(labels: number[]): number[] {
  const counts = new Array<number>(MAX_TARGET).fill(0);
  for (const y of labels) counts[binOf(y)]++;
  return counts;
}
