/**
 * Per-sample re-weighting (spec §1.7; official imdb-wiki-dir/datasets.py _prepare_weights) and the
 * NYUD2 per-bin pixel weights (nyud2-dir/loaddata.py _get_bucket_weights).
 */
import { fail } from '../errors.js';
import { finiteArray } from '../inputs.js';
import { convolve1d, type LdsKernel, ldsKernelWindow } from './lds.js';
import { NYUD2_BUCKET_START, nyud2FilledCounts } from './nyud2.js';

export type Reweight = 'none' | 'inverse' | 'sqrt_inv';
export const reweights: readonly Reweight[] = ['none', 'inverse', 'sqrt_inv'];

export interface LdsOptions {
  /** smooth the label histogram with the LDS window (needs reweight ≠ 'none') */
  lds?: boolean;
  /** default 'gaussian' */
  ldsKernel?: LdsKernel;
  /** default 5 */
  ldsKs?: number;
  /** default 2 (the function default of the official code; its CLI default is 1) */
  ldsSigma?: number;
  /**
   * Reproduce the official integer truncation: SciPy's convolve1d returns an integer array's dtype,
   * so smoothed integer counts (INV re-weighting, bucket counts) are truncated (spec §1.7, §9.5).
   * Default true; false smooths in floating point.
   */
  integerSmoothing?: boolean;
}

export interface PrepareWeightsOptions extends LdsOptions {
  reweight: Reweight;
  /** labels are binned as min(maxTarget − 1, int(label)); default 121 (ages 0..120) */
  maxTarget?: number;
}

export function ldsWindowOf(opts: LdsOptions): number[] {
  return ldsKernelWindow(opts.ldsKernel ?? 'gaussian', opts.ldsKs ?? 5, opts.ldsSigma ?? 2);
}

function checkReweight(fn: string, reweight: unknown, lds: boolean | undefined): Reweight {
  if (!reweights.includes(reweight as Reweight)) {
    fail(fn, `reweight must be one of ${reweights.join(', ')}, got '${String(reweight)}'`);
  }
  if (lds && reweight === 'none')
    fail(fn, "LDS needs reweight 'sqrt_inv' or 'inverse' (the official code asserts this)");
  return reweight as Reweight;
}

/**
 * Per-sample weights with mean 1 (spec §1.7): count labels into integer bins 0..maxTarget−1;
 * sqrt_inv: √count; inverse: clip(count, 5, 1000); optional LDS (convolve1d, mode 'constant');
 * weight = 1 / value(bin); rescale so Σw = N. Returns null for reweight 'none'.
 */
export function prepareWeights(labels: number[], opts: PrepareWeightsOptions): number[] | null {
  const fn = 'prepareWeights';
  const reweight = checkReweight(fn, opts?.reweight, opts?.lds);
  const ys = finiteArray(fn, 'labels', labels, 0);
  const maxTarget = opts.maxTarget ?? 121;
  if (!Number.isInteger(maxTarget) || maxTarget < 1) fail(fn, `maxTarget must be an integer ≥ 1, got ${maxTarget}`);
  const binOf = (y: number, i: number): number => {
    if (y < 0) fail(fn, `labels[${i}] = ${y} is negative; labels are binned as min(maxTarget − 1, int(label))`);
    return Math.min(maxTarget - 1, Math.trunc(y));
  };
  const counts = new Array<number>(maxTarget).fill(0);
  ys.forEach((y, i) => {
    counts[binOf(y, i)]++;
  });
  if (reweight === 'none' || ys.length === 0) return null;
  let values = reweight === 'sqrt_inv' ? counts.map(Math.sqrt) : counts.map((c) => Math.min(Math.max(c, 5), 1000));
  if (opts.lds) {
    // INV values are integers in the official code, so convolve1d truncates them; SQINV are floats
    const truncate = reweight === 'inverse' && (opts.integerSmoothing ?? true);
    values = convolve1d(values, ldsWindowOf(opts), 'constant', truncate);
  }
  const w = ys.map((y, i) => 1 / values[binOf(y, i)]);
  const total = w.reduce((a, b) => a + b, 0);
  const scale = w.length / total;
  return w.map((v) => v * scale);
}

export interface Nyud2WeightOptions extends LdsOptions {
  reweight: Reweight;
}

/**
 * NYUD2-DIR per-bin pixel weights for the 100 depth bins (spec §1.7, NYUD2 re-weighting): bin values
 * = TRAIN_BUCKET_NUM with bins 0–6 filled from bin 7, optional √, no clipping for inverse, LDS in
 * 'reflect' mode on bins ≥ 7 (bins 0–6 copy the first smoothed value); weight_b = scale / value_b
 * with scale making the pixel-weighted mean weight over the (filled) histogram 1. null for 'none'.
 * Look a pixel's weight up with nyud2DepthBin(depth).
 */
export function nyud2BucketWeights(opts: Nyud2WeightOptions): number[] | null {
  const fn = 'nyud2BucketWeights';
  const reweight = checkReweight(fn, opts?.reweight, opts?.lds);
  if (reweight === 'none') return null;
  const counts = nyud2FilledCounts();
  let values = reweight === 'sqrt_inv' ? counts.map(Math.sqrt) : counts.slice();
  if (opts.lds)
    values = smoothFromBucketStart(
      values,
      ldsWindowOf(opts),
      reweight !== 'sqrt_inv' && (opts.integerSmoothing ?? true),
    );
  let num = 0;
  let den = 0;
  for (let b = 0; b < counts.length; b++) {
    num += counts[b];
    den += counts[b] / values[b];
  }
  const scale = num / den;
  return values.map((v) => scale / v);
}

/** LDS of bins ≥ 7 in 'reflect' mode; bins 0–6 take the first smoothed value (official NYUD2 code). */
export function smoothFromBucketStart(values: number[], window: number[], truncate: boolean): number[] {
  const smoothed = convolve1d(values.slice(NYUD2_BUCKET_START), window, 'reflect', truncate);
  return [...new Array<number>(NYUD2_BUCKET_START).fill(smoothed[0]), ...smoothed];
}
