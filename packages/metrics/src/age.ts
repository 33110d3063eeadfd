/**
 * Age metrics of the DIR protocol (spec §5.1; official repo jiawei-ren/BalancedMSE, file
 * `imdb-wiki-dir/train.py`: `validate`, `shot_metrics`, `shot_metrics_balanced`,
 * `balanced_metrics`), overall and per shot region.
 */
import { checkFinite, checkSameLength, describe, fail, MetricsInputError } from './errors.js';
import { binKey, type Shot, type ShotRegions, type ShotThresholds, shotRegions } from './shots.js';

/** Metrics of one region ("all" or a shot). Every metric is `null` when the region has no test sample (n = 0). */
export interface AgeRegionMetrics {
  /** test samples in the region */
  n: number;
  /** distinct test label bins in the region (the denominator of bmse/bmae) */
  numLabels: number;
  /** sample-weighted: Σ (ŷ − y)² / n  (official `shot_metrics` / `validate` MSE) */
  mse: number | null;
  /** sample-weighted: Σ |ŷ − y| / n  (official L1) */
  mae: number | null;
  /** geometric mean of the n absolute errors, exp(Σ log|ŷ − y| / n); 0 as soon as one error is exactly 0 */
  gm: number | null;
  /** label-averaged: mean over the region's label bins of that bin's MSE (official `shot_metrics_balanced` / `balanced_metrics`) */
  bmse: number | null;
  /** label-averaged: mean over the region's label bins of that bin's MAE */
  bmae: number | null;
}

/** `all` plus the three shot regions. */
export interface ShotTable<T> {
  all: T;
  many: T;
  medium: T;
  few: T;
}

export type AgeMetrics = ShotTable<AgeRegionMetrics>;

export type AgeMetricsOptions = ShotThresholds;

interface Sums {
  n: number;
  se: number;
  ae: number;
  logAe: number;
  labels: number;
  labelMse: number;
  labelMae: number;
}

const emptySums = (): Sums => ({ n: 0, se: 0, ae: 0, logAe: 0, labels: 0, labelMse: 0, labelMae: 0 });

function finish(s: Sums): AgeRegionMetrics {
  if (s.n === 0) return { n: 0, numLabels: 0, mse: null, mae: null, gm: null, bmse: null, bmae: null };
  return {
    n: s.n,
    numLabels: s.labels,
    mse: s.se / s.n,
    mae: s.ae / s.n,
    // Σ log|e| is −∞ when one error is 0, and exp(−∞) = 0 — what scipy.stats.gmean returns
    gm: Math.exp(s.logAe / s.n),
    bmse: s.labelMse / s.labels,
    bmae: s.labelMae / s.labels,
  };
}

/**
 * MSE, MAE, GM, bMSE, bMAE over all test samples and per shot region.
 *
 * - A test sample's label bin is `binOf(label)` (default `Math.floor`: 1-year bins); its shot is
 *   decided by the number of *training* labels in the same bin (`shotRegions`).
 * - `mse`/`mae` are sample-weighted (the official `shot_metrics`), `bmse`/`bmae` are
 *   label-averaged (the official `shot_metrics_balanced`; over `all` this is `balanced_metrics`).
 *   `gm` is always over samples.
 * - An empty region is reported with `n: 0` and every metric `null` (the official code crashes
 *   on `gmean([])`, DIR issue #19).
 *
 * `trainLabels` may be the training labels or a `ShotRegions` built once with `shotRegions`
 * (then `opts` must be empty: the regions carry their own thresholds and binning).
 */
export function ageMetrics(
  preds: ArrayLike<number>,
  labels: ArrayLike<number>,
  trainLabels: ArrayLike<number> | ShotRegions,
  opts: AgeMetricsOptions = {},
): AgeMetrics {
  const fn = 'ageMetrics';
  checkFinite(fn, 'preds', preds);
  checkFinite(fn, 'labels', labels);
  checkSameLength(fn, 'preds', preds, 'labels', labels);
  let regions: ShotRegions;
  if (typeof trainLabels === 'function') {
    if (opts && Object.keys(opts).length > 0) {
      fail(
        fn,
        `options (${Object.keys(opts).join(', ')}) cannot be combined with a ShotRegions; pass them to shotRegions`,
      );
    }
    regions = trainLabels;
  } else {
    if (trainLabels === null || typeof trainLabels !== 'object') {
      fail(fn, `trainLabels must be an array of training labels or a ShotRegions, got ${describe(trainLabels)}`);
    }
    try {
      regions = shotRegions(trainLabels, opts);
    } catch (e) {
      if (e instanceof MetricsInputError) e.message = e.message.replace(/^shotRegions:/, `${fn}:`);
      throw e;
    }
  }

  // per label bin: n, Σ(ŷ−y)², Σ|ŷ−y|, Σ log|ŷ−y|
  const perLabel = new Map<number, { n: number; se: number; ae: number; logAe: number }>();
  for (let i = 0; i < preds.length; i++) {
    const e = preds[i] - labels[i];
    const ae = Math.abs(e);
    const k = binKey(fn, regions.binOf, labels[i], `labels[${i}]`);
    let g = perLabel.get(k);
    if (!g) {
      g = { n: 0, se: 0, ae: 0, logAe: 0 };
      perLabel.set(k, g);
    }
    g.n++;
    g.se += e * e;
    g.ae += ae;
    g.logAe += Math.log(ae);
  }

  const sums: Record<'all' | Shot, Sums> = {
    all: emptySums(),
    many: emptySums(),
    medium: emptySums(),
    few: emptySums(),
  };
  const keys = [...perLabel.keys()].sort((a, b) => a - b); // np.unique order
  for (const k of keys) {
    const g = perLabel.get(k)!;
    const shot = regions.shotOfCount(regions.counts.get(k) ?? 0);
    for (const s of [sums.all, sums[shot]]) {
      s.n += g.n;
      s.se += g.se;
      s.ae += g.ae;
      s.logAe += g.logAe;
      s.labels++;
      s.labelMse += g.se / g.n;
      s.labelMae += g.ae / g.n;
    }
  }
  return { all: finish(sums.all), many: finish(sums.many), medium: finish(sums.medium), few: finish(sums.few) };
}
