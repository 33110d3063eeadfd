/** The GMM argument of gaiLoss / gaiLossMD, checked and normalised to K×d means and K×d×d covariances. */
import { fail } from './errors.js';

/** Gaussian-mixture parameters as the official gmm.pkl holds them (spec §1.2). */
export interface GmmParams {
  /** K×d (a flat K-array is read as K×1) */
  means: number[][] | number[];
  /** K×d×d full covariances (sklearn covariances_), or K variances (1-D, or isotropic v_k·I) */
  variances: number[][][] | number[];
  /** K mixing weights φ_k */
  weights: number[];
}

export interface CheckedGmm {
  k: number;
  d: number;
  means: number[][];
  covariances: number[][][];
  weights: number[];
}

export function checkGmm(fn: string, gmm: unknown, d?: number): CheckedGmm {
  const g = gmm as GmmParams;
  if (
    !g ||
    typeof g !== 'object' ||
    !Array.isArray(g.means) ||
    !Array.isArray(g.weights) ||
    !Array.isArray(g.variances)
  ) {
    fail(fn, 'gmm must be { means: number[][], variances: number[][][] | number[], weights: number[] }');
  }
  const k = g.weights.length;
  if (k < 1) fail(fn, 'gmm.weights is empty');
  if (g.means.length !== k || g.variances.length !== k) {
    fail(fn, `gmm has ${k} weights but ${g.means.length} means and ${g.variances.length} variances`);
  }
  const means = g.means.map((m) => (Array.isArray(m) ? m.map(Number) : [Number(m)]));
  const dim = d ?? means[0].length;
  for (const [i, m] of means.entries()) {
    if (m.length !== dim) fail(fn, `gmm.means[${i}] has ${m.length} dimensions, expected ${dim}`);
    if (!m.every(Number.isFinite)) fail(fn, `gmm.means[${i}] is not finite`);
  }
  const covariances = g.variances.map((v, i) => {
    if (typeof v === 'number') {
      if (!(v > 0) || !Number.isFinite(v)) fail(fn, `gmm.variances[${i}] must be a finite number > 0, got ${v}`);
      return Array.from({ length: dim }, (_, a) => Array.from({ length: dim }, (_, b) => (a === b ? v : 0)));
    }
    if (!Array.isArray(v) || v.length !== dim || v.some((row) => !Array.isArray(row) || row.length !== dim)) {
      fail(fn, `gmm.variances[${i}] must be a ${dim}×${dim} covariance matrix`);
    }
    return (v as number[][]).map((row) => row.map(Number));
  });
  const weights = g.weights.map(Number);
  for (const [i, w] of weights.entries()) {
    if (!(w >= 0) || !Number.isFinite(w)) fail(fn, `gmm.weights[${i}] must be a finite number ≥ 0, got ${w}`);
  }
  if (!weights.some((w) => w > 0)) fail(fn, 'gmm.weights are all 0');
  return { k, d: dim, means, covariances, weights };
}
