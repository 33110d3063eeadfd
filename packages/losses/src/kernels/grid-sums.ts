/**
 * Exact log-sum-exp sums over centres on an even grid c_b = c_0 + bΔ (BNI buckets, integer ages,
 * 8-bit depths): the Gaussian factors e_b = exp(−h((ŷ − c_b)² − (ŷ − c_j)²)), j the nearest centre,
 * obey e_{b+1} = e_b · exp(2hΔ(ŷ − c_0)) · exp(−hΔ²(2b + 1)), so one row costs one exp plus a
 * multiply per centre instead of one exp per centre. The sums are then weighted by
 * W_b = exp(a_b − max a) (0 for empty bins). Centres a few ulps off the grid ĉ_b (float32 values)
 * get the correction exp(2hδ_b(ŷ − ĉ_b) − hδ_b²), δ_b = c_b − ĉ_b: its ŷ-free part goes into W_b,
 * exp(2hδ_b(ŷ − c_0)) is taken as 1 + y + y²/2 with |y| ≤ 1e-4 (relative error < 2e-13).
 * Used where nothing can overflow; callers fall back to direct exps otherwise.
 */

export interface GridPlan {
  c0: number;
  delta: number;
  centres: Float64Array;
  /** δ_b = c_b − (c_0 + bΔ) */
  offsets: Float64Array;
  /** max |δ_b| (0 for an exact grid) */
  maxOffset: number;
  /** 2hδ_b */
  alpha: Float64Array;
  /** exp(a_b − aMax − hδ_b² − 2hδ_b(ĉ_b − c_0)) */
  w: Float64Array;
  aMax: number;
  h: number;
  /** exp(−hΔ²(2b + 1)): e_{b+1} / e_b without the row factor */
  up: Float64Array;
  /** exp(hΔ²(2b − 1)): e_{b−1} / e_b without the row factor */
  down: Float64Array;
}

/** A plan when the centres form an even grid (within 1e-5·(|c| + Δ)) and the factors stay finite, else null. */
export function planGrid(centres: ArrayLike<number>, logWeights: ArrayLike<number>, h: number): GridPlan | null {
  const K = centres.length;
  if (K < 2) return null;
  const c0 = centres[0];
  const delta = (centres[K - 1] - c0) / (K - 1);
  if (!(delta > 0) || !(h > 0) || h * delta * delta * (2 * K + 1) > 600) return null;
  let aMax = Number.NEGATIVE_INFINITY;
  const offsets = new Float64Array(K);
  let maxOffset = 0;
  for (let b = 0; b < K; b++) {
    offsets[b] = centres[b] - (c0 + b * delta);
    if (!(Math.abs(offsets[b]) <= 1e-5 * (Math.abs(centres[b]) + delta))) return null;
    maxOffset = Math.max(maxOffset, Math.abs(offsets[b]));
    if (logWeights[b] > aMax) aMax = logWeights[b];
  }
  if (!Number.isFinite(aMax)) return null;
  const w = new Float64Array(K);
  const alpha = new Float64Array(K);
  const up = new Float64Array(K);
  const down = new Float64Array(K);
  for (let b = 0; b < K; b++) {
    const o = offsets[b];
    alpha[b] = 2 * h * o;
    w[b] = Math.exp(logWeights[b] - aMax - h * o * o - 2 * h * o * b * delta);
    up[b] = Math.exp(-h * delta * delta * (2 * b + 1));
    down[b] = Math.exp(h * delta * delta * (2 * b - 1));
  }
  return { c0, delta, centres: Float64Array.from(centres), offsets, maxOffset, alpha, w, aMax, h, up, down };
}

/**
 * For one prediction: acc = [z, Σ t d, Σ t d², m0, lo, hi] with t_b = exp(a_b − h d_b² − m0),
 * d_b = ŷ − c_b, and log Σ_b exp(a_b − h d_b²) = m0 + log z; t_b is negligible outside [lo, hi].
 * Fills e (if given) with t_b on [lo, hi]. Returns false when this row must be computed directly
 * (|2hΔ(ŷ − c_0)| > 300, an off-grid correction that is not tiny, or z underflows).
 */
export function gridRow(g: GridPlan, p: number, acc: Float64Array, e: Float64Array | null): boolean {
  const K = g.centres.length;
  const logR = 2 * g.h * g.delta * (p - g.c0);
  if (!(Math.abs(logR) <= 300)) return false;
  const exact = g.maxOffset === 0;
  const twoH = 2 * g.h;
  const pp = p - g.c0;
  // the off-grid correction's argument 2hδ_b(ŷ − c_0) must stay tiny for its quadratic to be exact
  if (!exact && twoH * g.maxOffset * Math.abs(pp) > 1e-4) return false;
  const R = Math.exp(logR);
  const Rinv = 1 / R;
  const j = Math.min(K - 1, Math.max(0, Math.round((p - g.c0) / g.delta)));
  const c = g.centres;
  const alpha = g.alpha;
  const w = g.w;
  const djHat = p - (g.c0 + j * g.delta); // distance to the grid point ĉ_j
  let z = 0;
  let s1 = 0;
  let s2 = 0;
  let hi = K - 1;
  let lo = 0;
  for (let dir = 1; dir >= -1; dir -= 2) {
    let eb = 1;
    for (let b = dir === 1 ? j : j - 1; b >= 0 && b < K; b += dir) {
      if (b !== j) {
        eb = dir === 1 ? eb * g.up[b - 1] * R : eb * g.down[b + 1] * Rinv;
        if (eb < 1e-300) {
          // e_b only decreases away from the nearest centre
          if (dir === 1) hi = b - 1;
          else lo = b + 1;
          break;
        }
      }
      const d = p - c[b];
      let t = w[b] * eb;
      if (!exact) {
        const y = alpha[b] * pp;
        t *= 1 + y * (1 + 0.5 * y);
      }
      z += t;
      s1 += t * d;
      s2 += t * d * d;
      if (e !== null) e[b] = t;
    }
  }
  if (!(z > 1e-250)) return false;
  acc[0] = z;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = g.aMax - djHat * djHat * g.h;
  acc[4] = lo;
  acc[5] = hi;
  return true;
}
