/**
 * Gaussian mixture fit by EM as the official preprocess_gmm.py gets it from scikit-learn
 * (spec §1.2): GaussianMixture(n_components=K, covariance_type='full', tol=1e-3, reg_covar=1e-6,
 * max_iter=100, n_init=1, init_params='kmeans'), i.e. k-means (k-means++ seeding) labels as the
 * initial responsibilities, then EM until the mean log-likelihood changes by less than tol.
 * Deterministic for a seed (seedrandom).
 */
import seedrandom from 'seedrandom';
import { fail } from '../errors.js';
import { kmeansLabels } from './kmeans.js';
import { cholesky, forwardSolve } from './linalg.js';

export interface GmmJSON {
  means: number[][];
  variances: number[][][];
  weights: number[];
}

/** A fitted mixture: K×d means, K×d×d covariances (as sklearn covariances_), K weights. */
export interface Gmm extends GmmJSON {
  /** mean over the values of log p(x) (sklearn's GaussianMixture.score) */
  meanLogLikelihood(values: number[] | number[][]): number;
  toJSON(): GmmJSON;
}

export interface FitGmmOptions {
  /** seed of the k-means++ initialisation (default 0, like random_state=0) */
  seed?: number;
  /** EM iterations (default 100) */
  maxIter?: number;
  /** convergence threshold on the change of the mean log-likelihood (default 1e-3) */
  tol?: number;
  /** added to the covariance diagonals (default 1e-6) */
  regCovar?: number;
  /** independent initialisations, best kept (default 1, like sklearn) */
  nInit?: number;
}

export interface FitInfo {
  converged: boolean;
  iterations: number;
  /** mean log-likelihood of the training values under the returned parameters */
  meanLogLikelihood: number;
}

function asMatrix(fn: string, values: unknown): number[][] {
  if (!Array.isArray(values) || values.length === 0) fail(fn, 'values must be a non-empty number[] or number[][]');
  const rows = (values as unknown[]).map((v) => (Array.isArray(v) ? v.map(Number) : [Number(v)]));
  const d = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== d) fail(fn, `values[${i}] has ${r.length} dimensions, values[0] has ${d}`);
    if (!r.every(Number.isFinite)) fail(fn, `values[${i}] is not finite`);
  });
  return rows;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Per-component precomputation for log densities. */
function factorise(covs: number[][][]): { chol: number[][][]; logDet: number[] } {
  const chol = covs.map((c, k) => {
    try {
      return cholesky(c);
    } catch (err) {
      return fail('Gmm', `covariance ${k} is not positive definite: ${(err as Error).message}`);
    }
  });
  return { chol, logDet: chol.map((l) => 2 * l.reduce((a, row, i) => a + Math.log(row[i]), 0)) };
}

/** log φ_k + log N(x_i; μ_k, Σ_k) for every i, k → returns log p(x_i) and fills logResp with the posteriors. */
function eStep(
  x: number[][],
  weights: number[],
  means: number[][],
  covs: number[][][],
  logResp: Float64Array[] | null,
): Float64Array {
  const { chol, logDet } = factorise(covs);
  const n = x.length;
  const k = weights.length;
  const d = x[0].length;
  const logNorm = new Float64Array(n);
  const row = new Float64Array(k);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) diff[j] = x[i][j] - means[c][j];
      const z = forwardSolve(chol[c], diff);
      let q = 0;
      for (let j = 0; j < d; j++) q += z[j] * z[j];
      row[c] = Math.log(weights[c]) - 0.5 * (d * LOG_2PI + logDet[c] + q);
      if (row[c] > m) m = row[c];
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(row[c] - m);
    const ln = m + Math.log(s);
    logNorm[i] = ln;
    if (logResp) for (let c = 0; c < k; c++) logResp[i][c] = row[c] - ln;
  }
  return logNorm;
}

/** sklearn _estimate_gaussian_parameters (full covariances) from responsibilities. */
function mStep(x: number[][], resp: Float64Array[], k: number, regCovar: number) {
  const n = x.length;
  const d = x[0].length;
  const nk = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) nk[c] += resp[i][c];
  const eps = 10 * Number.EPSILON;
  for (let c = 0; c < k; c++) nk[c] += eps;
  const means = Array.from({ length: k }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c][j] += resp[i][c] * x[i][j];
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c][j] /= nk[c];
  const covs = Array.from({ length: k }, () => Array.from({ length: d }, () => new Array<number>(d).fill(0)));
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i][c];
      if (r === 0) continue;
      for (let a = 0; a < d; a++) {
        const da = x[i][a] - means[c][a];
        for (let b = 0; b <= a; b++) covs[c][a][b] += r * da * (x[i][b] - means[c][b]);
      }
    }
  }
  for (let c = 0; c < k; c++) {
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        covs[c][a][b] /= nk[c];
        covs[c][b][a] = covs[c][a][b];
      }
      covs[c][a][a] += regCovar;
    }
  }
  const weights = nk.map((v) => v / n);
  return { weights, means, covs };
}

class GaussianMixture implements Gmm {
  constructor(
    readonly means: number[][],
    readonly variances: number[][][],
    readonly weights: number[],
  ) {}

  meanLogLikelihood(values: number[] | number[][]): number {
    const x = asMatrix('Gmm.meanLogLikelihood', values);
    if (x[0].length !== this.means[0].length) {
      fail(
        'Gmm.meanLogLikelihood',
        `values are ${x[0].length}-dimensional, the mixture is ${this.means[0].length}-dimensional`,
      );
    }
    const ln = eStep(x, this.weights, this.means, this.variances, null);
    return ln.reduce((a, b) => a + b, 0) / ln.length;
  }

  toJSON(): GmmJSON {
    return { means: this.means, variances: this.variances, weights: this.weights };
  }
}

/** A Gmm from saved JSON (toJSON's output, or sklearn's means_/covariances_/weights_). */
export function gmmFromJSON(json: GmmJSON | string): Gmm {
  const j = (typeof json === 'string' ? JSON.parse(json) : json) as GmmJSON;
  const fn = 'gmmFromJSON';
  if (!j || !Array.isArray(j.means) || !Array.isArray(j.variances) || !Array.isArray(j.weights)) {
    fail(fn, 'expected { means: number[][], variances: number[][][], weights: number[] }');
  }
  const k = j.weights.length;
  if (j.means.length !== k || j.variances.length !== k)
    fail(fn, `${k} weights but ${j.means.length} means and ${j.variances.length} covariances`);
  const d = j.means[0].length;
  j.variances.forEach((c, i) => {
    if (c.length !== d || c.some((r) => r.length !== d)) fail(fn, `covariance ${i} is not ${d}×${d}`);
  });
  factorise(j.variances);
  return new GaussianMixture(j.means, j.variances, j.weights);
}

let lastInfo: FitInfo | null = null;

/** Convergence information of the last fitGmm call. */
export function lastFitInfo(): FitInfo | null {
  return lastInfo;
}

/** Fits a K-component full-covariance GMM to 1-D (number[]) or d-dimensional (number[][]) values. */
export function fitGmm(values: number[] | number[][], k: number, opts: FitGmmOptions = {}): Gmm {
  const fn = 'fitGmm';
  const x = asMatrix(fn, values);
  if (!Number.isInteger(k) || k < 1) fail(fn, `k must be an integer ≥ 1, got ${k}`);
  if (x.length < k) fail(fn, `needs at least k = ${k} values, got ${x.length}`);
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-3;
  const regCovar = opts.regCovar ?? 1e-6;
  const nInit = opts.nInit ?? 1;
  const rng = seedrandom(String(opts.seed ?? 0));
  let best: { gmm: GaussianMixture; info: FitInfo } | null = null;
  for (let init = 0; init < nInit; init++) {
    const labels = kmeansLabels(x, k, rng);
    const resp = x.map((_, i) => {
      const r = new Float64Array(k);
      r[labels[i]] = 1;
      return r;
    });
    let params = mStep(x, resp, k, regCovar);
    let lowerBound = Number.NEGATIVE_INFINITY;
    let converged = false;
    let iterations = 0;
    for (let iter = 1; iter <= maxIter; iter++) {
      iterations = iter;
      const prev = lowerBound;
      const ln = eStep(x, params.weights, params.means, params.covs, resp);
      for (const r of resp) for (let c = 0; c < k; c++) r[c] = Math.exp(r[c]);
      params = mStep(x, resp, k, regCovar);
      lowerBound = ln.reduce((a, b) => a + b, 0) / ln.length;
      if (Math.abs(lowerBound - prev) < tol) {
        converged = true;
        break;
      }
    }
    const gmm = new GaussianMixture(params.means, params.covs, params.weights);
    const info = { converged, iterations, meanLogLikelihood: gmm.meanLogLikelihood(x) };
    if (!best || info.meanLogLikelihood > best.info.meanLogLikelihood) best = { gmm, info };
  }
  lastInfo = (best as { info: FitInfo }).info;
  return (best as { gmm: Gmm }).gmm;
}
