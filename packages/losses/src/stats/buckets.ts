/** Bucket centres and weights for BNI (spec §1.4). */
import { fail } from '../errors.js';
import { finiteArray } from '../inputs.js';
import { convolve1d } from './lds.js';
import { nyud2BucketCenters, nyud2FilledCounts } from './nyud2.js';
import { type LdsOptions, ldsWindowOf, type Reweight, reweights, smoothFromBucketStart } from './weights.js';

export interface BucketInfo {
  centers: number[];
  weights: number[];
}

export interface BucketInfoOptions extends LdsOptions {
  /** integer bins 0..maxTarget−1; labels with int(label) ≥ maxTarget are ignored; default 200 */
  maxTarget?: number;
}

/**
 * The official age recipe (imdb-wiki-dir/datasets.py get_bucket_info): count int(label) into
 * integer bins 0..maxTarget−1, centres are the integers k; optional LDS (convolve1d, 'constant',
 * integer-truncated like the official int array); drop bins whose weight is 0; normalise to sum 1.
 * No square root even for sqrt_inv runs.
 */
export function bucketInfo(labels: number[], opts: BucketInfoOptions = {}): BucketInfo {
  const fn = 'bucketInfo';
  const ys = finiteArray(fn, 'labels', labels);
  const maxTarget = opts.maxTarget ?? 200;
  if (!Number.isInteger(maxTarget) || maxTarget < 1) fail(fn, `maxTarget must be an integer ≥ 1, got ${maxTarget}`);
  let counts = new Array<number>(maxTarget).fill(0);
  ys.forEach((y, i) => {
    if (y < 0) fail(fn, `labels[${i}] = ${y} is negative; bins are int(label) in 0..${maxTarget - 1}`);
    const b = Math.trunc(y);
    if (b < maxTarget) counts[b]++;
  });
  if (opts.lds) counts = convolve1d(counts, ldsWindowOf(opts), 'constant', opts.integerSmoothing ?? true);
  return normalise(fn, counts, (b) => b);
}

export interface Nyud2BucketInfoOptions extends LdsOptions {
  /** 'sqrt_inv' takes the square root of the counts (official --reweight); default 'none' */
  reweight?: Reweight;
}

/**
 * The official NYUD2 recipe (nyud2-dir/loaddata.py get_bucket_info) from the training pixel
 * histogram: 100 centres 0.05..9.95 m; counts with bins 0–6 filled from bin 7; √ for sqrt_inv;
 * optional LDS in 'reflect' mode on bins ≥ 7 (bins 0–6 copy the first smoothed value); normalise.
 */
export function nyud2BucketInfo(opts: Nyud2BucketInfoOptions = {}): BucketInfo {
  const fn = 'nyud2BucketInfo';
  const reweight = opts.reweight ?? 'none';
  if (!reweights.includes(reweight))
    fail(fn, `reweight must be one of ${reweights.join(', ')}, got '${String(reweight)}'`);
  let values = nyud2FilledCounts();
  const sqrt = reweight === 'sqrt_inv';
  if (sqrt) values = values.map(Math.sqrt);
  if (opts.lds) values = smoothFromBucketStart(values, ldsWindowOf(opts), !sqrt && (opts.integerSmoothing ?? true));
  const centers = nyud2BucketCenters();
  return normalise(fn, values, (b) => centers[b]);
}

/**
 * The GMM pseudo-labels of nyud2-dir/preprocess_gmm.py (spec §1.2): each bin centre
 * 0.1·i + 0.05 repeated count_i // 1,000,000 times (bins 0–6 filled from bin 7).
 */
export function nyud2GmmPseudoLabels(): number[] {
  const counts = nyud2FilledCounts();
  const out: number[] = [];
  counts.forEach((c, i) => {
    const centre = 0.1 * i + 0.05;
    for (let r = 0; r < Math.floor(c / 1_000_000); r++) out.push(centre);
  });
  return out;
}

function normalise(fn: string, values: number[], centreOf: (bin: number) => number): BucketInfo {
  const centers: number[] = [];
  const weights: number[] = [];
  values.forEach((v, b) => {
    if (v > 0) {
      centers.push(centreOf(b));
      weights.push(v);
    }
  });
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) fail(fn, 'no bin has a positive count (are the labels inside [0, maxTarget)?)');
  return { centers, weights: weights.map((w) => w / total) };
}
