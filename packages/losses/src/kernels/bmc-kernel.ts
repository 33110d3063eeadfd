/**
 * Fused float64 kernel of 1-D BMC (spec §1.3) and of BMC with a bounded set of shared
 * negatives (BalancedMSE issue #5), with gradients w.r.t. pred, target and s = σ²:
 *   logits_ij = −(ŷ_i − u_j)² h,  h = 1 / (2s)
 *   L = 2s_detached · mean_i [ (ŷ_i − y_i)² h + log Σ_j exp(logits_ij) ]
 * Full BMC: u = all batch labels (the own label included). Bounded: u = the own label plus
 * the negatives. Equal label values are merged with their multiplicity (exact), so integer
 * ages or 8-bit depths cost one exp per distinct value.
 */
import { fastExp } from './fast-exp.js';
import { type GridPlan, gridRow, planGrid } from './grid-sums.js';
import type { KernelResult } from './mixture-kernel.js';

interface Groups {
  values: Float64Array;
  counts: Float64Array;
  /** group of each source element */
  groupOf: Int32Array;
}

/** Distinct values with their multiplicities. */
function groupValues(values: ArrayLike<number>): Groups {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const vals: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (vals.length === 0 || vals[vals.length - 1] !== sorted[i]) {
      vals.push(sorted[i]);
      counts.push(0);
    }
    counts[counts.length - 1]++;
  }
  const u = Float64Array.from(vals);
  const groupOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // binary search of values[i] among the distinct values
    let lo = 0;
    let hi = u.length - 1;
    const v = values[i];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    groupOf[i] = lo;
  }
  return { values: u, counts: Float64Array.from(counts), groupOf };
}

/** The distinct labels as an even grid (integer ages, …) with counts as weights, or null. */
function labelGrid(g: Groups, h: number): { plan: GridPlan; index: Int32Array } | null {
  const G = g.values.length;
  if (G < 2) return null;
  let gap = Number.POSITIVE_INFINITY;
  for (let k = 1; k < G; k++) gap = Math.min(gap, g.values[k] - g.values[k - 1]);
  const span = g.values[G - 1] - g.values[0];
  const size = Math.round(span / gap) + 1;
  if (size > 4 * G + 64) return null;
  const step = span / (size - 1); // the grid step from the end points (float32 labels are a few ulps off)
  const index = new Int32Array(G);
  const logW = new Float64Array(size).fill(Number.NEGATIVE_INFINITY);
  const centres = new Float64Array(size);
  for (let b = 0; b < size; b++) centres[b] = g.values[0] + b * step;
  for (let k = 0; k < G; k++) {
    const b = Math.round((g.values[k] - g.values[0]) / step);
    if (logW[b] !== Number.NEGATIVE_INFINITY) return null; // two labels in one grid cell: not a grid
    index[k] = b;
    centres[b] = g.values[k]; // planGrid corrects exactly for the offset from the grid point
    logW[b] = Math.log(g.counts[k]);
  }
  const plan = planGrid(centres, logW, h);
  return plan ? { plan, index } : null;
}

/**
 * negatives: null for full BMC (the batch's own labels are the candidates), or the negative
 * labels with the target index each was taken from (their gradient flows back there).
 */
export function bmcKernel(
  pred: ArrayLike<number>,
  target: ArrayLike<number>,
  s: number,
  negatives: { values: ArrayLike<number>; sourceIndex: ArrayLike<number> } | null,
): KernelResult {
  const n = pred.length;
  const bounded = negatives !== null;
  const g = groupValues(bounded ? negatives.values : target);
  const G = g.values.length;
  const u = g.values;
  const cnt = g.counts;
  const h = 1 / (2 * s);
  const scale = (2 * s) / n;
  const grid = labelGrid(g, h);
  const gridE = grid ? new Float64Array(grid.plan.centres.length) : null;
  const acc = new Float64Array(6);
  const gradPred = new Float32Array(n);
  const gradTarget = new Float32Array(n);
  const groupGrad = new Float64Array(G); // Σ_i (softmax of one member of the group) · ∂logit/∂u
  const omega = new Float64Array(G); // per-member exp(logit − mNeg)
  let sum = 0;
  let sumDs = 0;
  for (let i = 0; i < n; i++) {
    const p = pred[i];
    const r = p - target[i];
    // Σ over the candidate labels relative to mNeg: zNeg = Σ cnt·ω, s1 = Σ cnt·ω·d, s2 = Σ cnt·ω·d²
    let mNeg: number;
    let zNeg: number;
    let s1: number;
    let s2: number;
    if (grid !== null && gridRow(grid.plan, p, acc, gridE)) {
      zNeg = acc[0];
      s1 = acc[1];
      s2 = acc[2];
      mNeg = acc[3];
      const e = gridE as Float64Array;
      const lo = acc[4];
      const hi = acc[5];
      for (let k = 0; k < G; k++) {
        const b = grid.index[k];
        omega[k] = b >= lo && b <= hi ? e[b] / cnt[k] : 0;
      }
    } else {
      mNeg = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < G; k++) {
        const d = p - u[k];
        const l = -d * d * h;
        omega[k] = l;
        if (l > mNeg) mNeg = l;
      }
      zNeg = 0;
      s1 = 0;
      s2 = 0;
      for (let k = 0; k < G; k++) {
        const w = fastExp(omega[k] - mNeg);
        omega[k] = w;
        const t = cnt[k] * w;
        const d = p - u[k];
        zNeg += t;
        s1 += t * d;
        s2 += t * d * d;
      }
    }
    // bounded: add the row's own label (the positive) to the candidates
    const own = -r * r * h;
    const m = bounded ? Math.max(mNeg, own) : mNeg;
    const fNeg = bounded ? Math.exp(mNeg - m) : 1;
    const eOwn = bounded ? Math.exp(own - m) : 0;
    const z = fNeg * zNeg + eOwn;
    const invZ = 1 / z;
    const gp = (fNeg * s1 + eOwn * r) * invZ; // softmax-weighted (ŷ − u)
    const gs = (fNeg * s2 + eOwn * r * r) * invZ; // softmax-weighted (ŷ − u)²
    sum += r * r * h + m + Math.log(z);
    // ∂/∂ŷ_i: 2h·r from the positive term, −2h·Σ softmax·(ŷ − u) from the log-partition
    gradPred[i] = scale * 2 * h * (r - gp);
    // the own label: −2h·r from the positive term; in bounded mode also +2h·softmax_own·r
    gradTarget[i] += scale * 2 * h * (-r + eOwn * invZ * r);
    const f = fNeg * invZ * 2 * h;
    for (let k = 0; k < G; k++) groupGrad[k] += omega[k] * f * (p - u[k]);
    sumDs += 2 * h * h * (gs - r * r);
  }
  if (bounded) {
    for (let j = 0; j < negatives.sourceIndex.length; j++) {
      gradTarget[negatives.sourceIndex[j]] += scale * groupGrad[g.groupOf[j]];
    }
  } else {
    for (let j = 0; j < n; j++) gradTarget[j] += scale * groupGrad[g.groupOf[j]];
  }
  return { loss: scale * sum, gradPred, gradTarget, gradNoiseVar: scale * sumDs };
}
