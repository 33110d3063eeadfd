/**
 * Shot regions (spec §5.1 `shot_metrics`, §9 item 6): a label's region is decided by how many
 * *training* labels fall in the same bin — many if that count is > `many` (default 100), few if
 * it is < `few` (default 20), medium otherwise; a bin with no training sample is always few.
 */
import { checkFinite, describe, fail } from './errors.js';

/** The three regions of the DIR protocol (printed by the official code as Many / Median / Low). */
export type Shot = 'many' | 'medium' | 'few';
export const SHOTS: readonly Shot[] = ['many', 'medium', 'few'];

/** Maps a label to its bin key; two labels are "the same label" when their keys are equal. */
export type BinOf = (label: number) => number;

/**
 * The default bin of an age: `Math.floor(label)` (1-year bins). For the integer ages of
 * IMDB-WIKI-DIR / AgeDB-DIR this is the official comparison (train labels cast to int, test labels
 * compared by value); for non-integer labels it puts [k, k + 1) into bin k.
 */
export const integerBin: BinOf = (label) => Math.floor(label);

export interface ShotThresholds {
  /** many-shot when the training count is strictly greater than this (default 100) */
  many?: number;
  /** few-shot when the training count is strictly less than this (default 20); must be ≤ `many` */
  few?: number;
  /** label → bin key (default `integerBin`); must return a finite number */
  binOf?: BinOf;
}

/** `label → shot`, with the training counts it was built from. */
export interface ShotRegions {
  (label: number): Shot;
  /** the thresholds in use */
  readonly many: number;
  readonly few: number;
  readonly binOf: BinOf;
  /** training count per bin key (bins with no training sample are absent) */
  readonly counts: ReadonlyMap<number, number>;
  /** training count of the label's bin (0 when there is none) */
  count(label: number): number;
  /** the bin key of a label (binOf, checked) */
  bin(label: number): number;
  /** the region of a training count */
  shotOfCount(count: number): Shot;
}

const DEFAULT_MANY = 100;
const DEFAULT_FEW = 20;

function thresholds(fn: string, opts: ShotThresholds): { many: number; few: number; binOf: BinOf } {
  if (opts === null || typeof opts !== 'object') fail(fn, `options must be an object, got ${describe(opts)}`);
  const { many = DEFAULT_MANY, few = DEFAULT_FEW, binOf = integerBin } = opts;
  for (const [name, v] of [
    ['many', many],
    ['few', few],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      fail(fn, `options.${name} is ${describe(v)}; it must be a finite number ≥ 0`);
    }
  }
  if (few > many) {
    fail(fn, `options.few (${few}) is greater than options.many (${many}); a count must not be both many and few`);
  }
  if (typeof binOf !== 'function') fail(fn, `options.binOf must be a function label → bin, got ${describe(binOf)}`);
  return { many, few, binOf };
}

/** Applies binOf and checks its result; `where` names the argument and index for the error. */
export function binKey(fn: string, binOf: BinOf, label: number, where: string): number {
  const k = binOf(label);
  if (typeof k !== 'number' || !Number.isFinite(k)) {
    fail(fn, `options.binOf(${where} = ${describe(label)}) returned ${describe(k)}; a bin must be a finite number`);
  }
  return k === 0 ? 0 : k; // -0 and 0 are one bin
}

function makeRegions(fn: string, counts: Map<number, number>, t: { many: number; few: number; binOf: BinOf }) {
  const shotOfCount = (count: number): Shot => {
    if (count === 0) return 'few';
    if (count > t.many) return 'many';
    if (count < t.few) return 'few';
    return 'medium';
  };
  const bin = (label: number) => {
    if (typeof label !== 'number' || !Number.isFinite(label))
      fail(fn, `label ${describe(label)} is not a finite number`);
    return binKey(fn, t.binOf, label, 'label');
  };
  const count = (label: number) => counts.get(bin(label)) ?? 0;
  const regions = ((label: number) => shotOfCount(count(label))) as ShotRegions;
  return Object.assign(regions, { many: t.many, few: t.few, binOf: t.binOf, counts, count, bin, shotOfCount });
}

/**
 * Counts the training labels per bin (`binOf`, default 1-year bins) and returns `label → shot`.
 *
 * @example
 *   const shotOf = shotRegions(trainAges);          // many > 100, few < 20
 *   shotOf(35); // 'many'
 *   shotRegions(trainDepths, { many: 2.6e7, few: 1e7, binOf: nyud2DepthBin });
 */
export function shotRegions(trainLabels: ArrayLike<number>, opts: ShotThresholds = {}): ShotRegions {
  const fn = 'shotRegions';
  const t = thresholds(fn, opts);
  checkFinite(fn, 'trainLabels', trainLabels);
  const counts = new Map<number, number>();
  for (let i = 0; i < trainLabels.length; i++) {
    const k = binKey(fn, t.binOf, trainLabels[i], `trainLabels[${i}]`);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return makeRegions(fn, counts, t);
}

/**
 * The same from precomputed training counts: an array indexed by bin (`counts[b]` = training count
 * of bin b) or a Map bin → count. `binOf` must map labels to those bin indices (e.g. the NYUD2 pixel
 * histogram with `binOf: nyud2DepthBin`).
 */
export function shotRegionsFromCounts(
  counts: ArrayLike<number> | ReadonlyMap<number, number>,
  opts: ShotThresholds = {},
): ShotRegions {
  const fn = 'shotRegionsFromCounts';
  const t = thresholds(fn, opts);
  let entries: [number, number][];
  if (counts instanceof Map) entries = [...counts.entries()];
  else {
    const arr = counts as ArrayLike<number>;
    if (arr === null || typeof arr !== 'object' || typeof arr.length !== 'number') {
      fail(fn, `counts must be an array indexed by bin or a Map bin → count, got ${describe(counts)}`);
    }
    entries = Array.from({ length: arr.length }, (_, b) => [b, arr[b]]);
  }
  const map = new Map<number, number>();
  for (const [b, c] of entries) {
    if (typeof b !== 'number' || !Number.isFinite(b))
      fail(fn, `counts has the bin key ${describe(b)}; keys must be finite numbers`);
    if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) {
      fail(fn, `counts[${b}] is ${describe(c)}; a count must be a finite number ≥ 0`);
    }
    if (c > 0) map.set(b === 0 ? 0 : b, (map.get(b) ?? 0) + c);
  }
  return makeRegions(fn, map, t);
}
