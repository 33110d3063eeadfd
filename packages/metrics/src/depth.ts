/**
 * Depth metrics of NYUD2-DIR (spec §5.2; official repo jiawei-ren/BalancedMSE, files
 * `nyud2-dir/test.py` and `nyud2-dir/util.py`, `Evaluator.evaluate_shot`).
 *
 * Aggregation, as the official evaluator does it (spec §5.2): the kept pixels (balanced mask = 1)
 * of *all* test images are concatenated and every metric is one mean over that pixel set — not a
 * per-image mean averaged over images, and not a per-bin mean averaged over bins
 * (`evaluate_shot_balanced` exists upstream but is unused). "all" is every kept pixel; a shot is
 * the kept pixels whose depth bin `min(int(10·d), 99)` is in that shot's hard-coded bin list.
 * Because only sums are needed, the accumulator below gives the same numbers (up to float64
 * summation order) for any split of the pixels into batches.
 */

import type { ShotTable } from './age.js';
import { checkArrayLike, checkSameLength, describe, fail, MetricsInputError } from './errors.js';
import { type BinOf, binKey, SHOTS, type Shot } from './shots.js';

/** Metrics of one region over its pixel set S. Every metric is `null` when S is empty (n = 0). */
export interface DepthRegionMetrics {
  /** |S|, the official NUM */
  n: number;
  /** sqrt(Σ (ŷ − d)² / n) */
  rmse: number | null;
  /** Σ (ŷ − d)² / n (the official evaluator reports it too) */
  mse: number | null;
  /** Σ |ŷ − d| / n */
  mae: number | null;
  /** Σ |ŷ − d| / d / n */
  absRel: number | null;
  /** Σ |log10 ŷ − log10 d| / n */
  log10: number | null;
  /** fraction of S with max(ŷ/d, d/ŷ) ≤ 1.25 (ratio in float32, as the official float32 tensors) */
  delta1: number | null;
  /** … ≤ 1.25² */
  delta2: number | null;
  /** … ≤ 1.25³ */
  delta3: number | null;
}

export type DepthMetrics = ShotTable<DepthRegionMetrics>;

/**
 * The hard-coded shot bin lists of the official NYUD2-DIR evaluator (`Evaluator.shot_idx`,
 * `nyud2-dir/util.py`, commit c6f2f33; `../shared/reference/data/nyud2-dir-shot-bins.json`).
 * Bin b covers depths [0.1·b, 0.1·b + 0.1) m. Together bins 7–99, each once.
 */
export const NYUD2_SHOT_BINS: Readonly<Record<Shot, readonly number[]>> = Object.freeze({
  many: Object.freeze([
    9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,
    38, 39, 40, 41, 42, 43, 44, 45, 47, 49,
  ]),
  medium: Object.freeze([7, 8, 46, 48, 50, 51, 52, 53, 54, 55, 56, 58, 60, 61, 63]),
  few: Object.freeze([
    57, 59, 62, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89,
    90, 91, 92, 93, 94, 95, 96, 97, 98, 99,
  ]),
});

/** The evaluator's depth bin: `min(int(d · float32(10)), 99)` with float32 arithmetic (`Evaluator.get_bin_idx`). */
export function nyud2DepthBin(depth: number): number {
  return Math.min(Math.trunc(Math.fround(Math.fround(depth) * 10)), 99);
}

export interface DepthMetricsOptions {
  /** bin lists per shot (default `NYUD2_SHOT_BINS`); must be disjoint; bins in no list count only in `all` */
  shotBins?: Readonly<Record<Shot, readonly number[]>>;
  /** depth → bin (default `nyud2DepthBin`) */
  binOf?: BinOf;
  /**
   * a NaN target on a kept pixel: 'error' (default) or 'skip' (leave the pixel out of every
   * metric and of n — the official `setNanToZero`)
   */
  nanTargets?: 'error' | 'skip';
}

const DELTA = [1.25, 1.25 ** 2, 1.25 ** 3]; // 1.25, 1.5625, 1.953125: exact in float32
// layout of one region's sums
const N = 0;
const SE = 1;
const AE = 2;
const REL = 3;
const LG = 4;
const D1 = 5;
const D2 = 6;
const D3 = 7;
const FIELDS = 8;
const REGIONS: readonly ('all' | Shot)[] = ['all', ...SHOTS];
const TABLE_SIZE = 4096;
/** sum offsets a pixel of region r adds to: `all` and its shot */
const BASES: readonly (readonly number[])[] = [[0], [0, FIELDS], [0, 2 * FIELDS], [0, 3 * FIELDS]];

type MaskLike = ArrayLike<number | boolean>;

/**
 * Streams (prediction, target, mask) batches and returns the metrics of all the kept pixels
 * seen so far; `result()` equals `depthMetrics` on the concatenated arrays.
 *
 * @example
 *   const acc = new DepthMetricsAccumulator();
 *   for (const { pred, depth, mask } of testImages) acc.add(pred, depth, mask); // flat, same length
 *   const { all, many, medium, few } = acc.result();
 */
export class DepthMetricsAccumulator {
  private readonly sums = new Float64Array(FIELDS * REGIONS.length);
  private readonly binOf: BinOf;
  private readonly nanTargets: 'error' | 'skip';
  /** region index (1..3) per small integer bin, 0 = in no list */
  private readonly table = new Uint8Array(TABLE_SIZE);
  private readonly other = new Map<number, number>();
  private readonly isDefaultBin: boolean;
  private batches = 0;

  constructor(opts: DepthMetricsOptions = {}) {
    const fn = 'DepthMetricsAccumulator';
    if (opts === null || typeof opts !== 'object') fail(fn, `options must be an object, got ${describe(opts)}`);
    const { shotBins = NYUD2_SHOT_BINS, binOf = nyud2DepthBin, nanTargets = 'error' } = opts;
    if (typeof binOf !== 'function') fail(fn, `options.binOf must be a function depth → bin, got ${describe(binOf)}`);
    if (nanTargets !== 'error' && nanTargets !== 'skip') {
      fail(fn, `options.nanTargets is ${describe(nanTargets)}; allowed: 'error', 'skip'`);
    }
    if (shotBins === null || typeof shotBins !== 'object') {
      fail(fn, `options.shotBins must be { many, medium, few } bin lists, got ${describe(shotBins)}`);
    }
    const seen = new Map<number, Shot>();
    SHOTS.forEach((shot, s) => {
      const list = shotBins[shot];
      if (!Array.isArray(list)) fail(fn, `options.shotBins.${shot} must be an array of bins, got ${describe(list)}`);
      list.forEach((b, i) => {
        if (typeof b !== 'number' || !Number.isFinite(b)) {
          fail(fn, `options.shotBins.${shot}[${i}] is ${describe(b)}; a bin must be a finite number`);
        }
        const key = b === 0 ? 0 : b;
        const prev = seen.get(key);
        if (prev !== undefined)
          fail(fn, `options.shotBins: bin ${b} is in both ${prev} and ${shot}; the lists must be disjoint`);
        seen.set(key, shot);
        if (Number.isInteger(key) && key >= 0 && key < TABLE_SIZE) this.table[key] = s + 1;
        else this.other.set(key, s + 1);
      });
    });
    this.binOf = binOf;
    this.nanTargets = nanTargets;
    this.isDefaultBin = binOf === nyud2DepthBin;
  }

  /** kept pixels so far */
  get n(): number {
    return this.sums[N];
  }

  /**
   * Adds one batch: `preds` and `targets` (metres) of the same length, and optionally a `mask`
   * of that length (0/1 or booleans; default: every pixel kept). Kept pixels need a finite
   * prediction and a finite target > 0. Non-positive predictions are accepted and treated as the
   * official code does: log10 becomes NaN (ŷ < 0) or +∞ (ŷ = 0); δ compares max(ŷ/d, d/ŷ) as
   * written, so a negative ŷ counts as within every threshold and ŷ = 0 as within none.
   */
  add(preds: ArrayLike<number>, targets: ArrayLike<number>, mask?: MaskLike | null): this {
    const fn = `DepthMetricsAccumulator.add (batch ${this.batches})`;
    const n = checkArrayLike(fn, 'preds', preds);
    checkArrayLike(fn, 'targets', targets);
    checkSameLength(fn, 'preds', preds, 'targets', targets);
    if (mask !== undefined && mask !== null) {
      checkArrayLike(fn, 'mask', mask);
      checkSameLength(fn, 'preds', preds, 'mask', mask);
    }
    if (n === 0) fail(fn, 'preds is empty; at least one pixel is needed');
    // one pass into batch-local sums, merged at the end: a rejected batch leaves the totals untouched
    const hasMask = mask !== undefined && mask !== null;
    const sums = new Float64Array(this.sums.length);
    for (let i = 0; i < n; i++) {
      if (hasMask) {
        const m = mask[i];
        if (m === 0 || m === false) continue;
        if (m !== 1 && m !== true) fail(fn, `mask[${i}] is ${describe(m)}; a mask value must be 0, 1, false or true`);
      }
      const p = preds[i];
      if (typeof p !== 'number' || !Number.isFinite(p)) {
        fail(fn, `preds[${i}] is ${describe(p)}; a kept pixel needs a finite prediction`);
      }
      const d = targets[i];
      if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) {
        if (typeof d === 'number' && Number.isNaN(d) && this.nanTargets === 'skip') continue;
        fail(fn, `targets[${i}] is ${describe(d)}; a kept pixel needs a finite depth > 0 (metres)`);
      }
      const bin = this.isDefaultBin ? nyud2DepthBin(d) : binKey(fn, this.binOf, d, `targets[${i}]`);
      const region =
        Number.isInteger(bin) && bin >= 0 && bin < TABLE_SIZE ? this.table[bin] : (this.other.get(bin) ?? 0);
      const ae = Math.abs(p - d);
      const lg = Math.abs(Math.log10(p) - Math.log10(d));
      // the official ratios are float32 tensors: round both inputs and the quotient to float32
      const p32 = Math.fround(p);
      const d32 = Math.fround(d);
      const ratio = Math.max(Math.fround(p32 / d32), Math.fround(d32 / p32));
      const d1 = ratio <= DELTA[0] ? 1 : 0;
      const d2 = ratio <= DELTA[1] ? 1 : 0;
      const d3 = ratio <= DELTA[2] ? 1 : 0;
      for (const base of BASES[region]) {
        sums[base + N] += 1;
        sums[base + SE] += ae * ae;
        sums[base + AE] += ae;
        sums[base + REL] += ae / d;
        sums[base + LG] += lg;
        sums[base + D1] += d1;
        sums[base + D2] += d2;
        sums[base + D3] += d3;
      }
    }
    for (let k = 0; k < sums.length; k++) this.sums[k] += sums[k];
    this.batches++;
    return this;
  }

  /** The metrics of all kept pixels added so far: `{ all, many, medium, few }`. */
  result(): DepthMetrics {
    const region = (r: number): DepthRegionMetrics => {
      const s = this.sums.subarray(r * FIELDS, (r + 1) * FIELDS);
      const n = s[N];
      if (n === 0) {
        return {
          n: 0,
          rmse: null,
          mse: null,
          mae: null,
          absRel: null,
          log10: null,
          delta1: null,
          delta2: null,
          delta3: null,
        };
      }
      return {
        n,
        rmse: Math.sqrt(s[SE] / n),
        mse: s[SE] / n,
        mae: s[AE] / n,
        absRel: s[REL] / n,
        log10: s[LG] / n,
        delta1: s[D1] / n,
        delta2: s[D2] / n,
        delta3: s[D3] / n,
      };
    };
    return { all: region(0), many: region(1), medium: region(2), few: region(3) };
  }

  /** Forgets every pixel. */
  reset(): this {
    this.sums.fill(0);
    this.batches = 0;
    return this;
  }
}

/**
 * RMSE, MSE, MAE, AbsRel, log10, δ1/δ2/δ3 over the kept pixels, overall and per shot bin list
 * (spec §5.2). `preds`, `targets` and `mask` are flat arrays of the same length (e.g. all test
 * images' 228×304 maps concatenated; predictions already upsampled); see
 * `DepthMetricsAccumulator.add` for the rules on each value.
 */
export function depthMetrics(
  preds: ArrayLike<number>,
  targets: ArrayLike<number>,
  mask?: MaskLike | null,
  opts: DepthMetricsOptions = {},
): DepthMetrics {
  try {
    return new DepthMetricsAccumulator(opts).add(preds, targets, mask).result();
  } catch (e) {
    if (e instanceof MetricsInputError) {
      e.message = e.message.replace(/^DepthMetricsAccumulator(\.add \(batch 0\))?:/, 'depthMetrics:');
    }
    throw e;
  }
}
