/**
 * Fused float64 kernel of the 1-D GAI and BNI losses (spec §1.2, §1.4) with their gradients,
 * one pass over the N×K logits: per sample i,
 *   lse_i = logsumexp_k [ a_k(s) − (ŷ_i − m_k)² h_k ],   h_k = 1 / (2 (v_k + s)),
 *   L = 2s_detached · mean_i [ (ŷ_i − y_i)² / (2s) + c(s) + lse_i ]
 * GAI: a_k = log φ_k − ½ log(v_k + s), c(s) = ½ log s.   BNI: v_k = 0, a_k = log w_k, c = 0.
 */
import { fastExp } from './fast-exp.js';
import { gridRow, planGrid } from './grid-sums.js';

export interface MixtureComponents {
  /** component means μ_k (GAI) or bucket centres c_b (BNI) */
  means: ArrayLike<number>;
  /** GMM variances v_k; all 0 for BNI */
  variances: ArrayLike<number>;
  /** log φ_k (GAI) or log w_b (BNI) */
  logWeights: ArrayLike<number>;
  /** true for GAI: the ½·log terms of spec §1.2 are included */
  logNormTerms: boolean;
}

export interface KernelResult {
  loss: number;
  gradPred: Float32Array;
  gradTarget: Float32Array;
  gradNoiseVar: number;
}

export function mixtureKernel(
  pred: ArrayLike<number>,
  target: ArrayLike<number>,
  s: number,
  comps: MixtureComponents,
): KernelResult {
  const n = pred.length;
  const K = comps.means.length;
  const mu = Float64Array.from(comps.means);
  const h = new Float64Array(K);
  const a = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const sv = comps.variances[k] + s;
    h[k] = 1 / (2 * sv);
    a[k] = comps.logWeights[k] - (comps.logNormTerms ? 0.5 * Math.log(sv) : 0);
  }
  const gai = comps.logNormTerms;
  const scale = (2 * s) / n; // ×2σ² restore (detached), mean over samples
  const gradPred = new Float32Array(n);
  const gradTarget = new Float32Array(n);
  const grid = gai ? null : planGrid(mu, a, h[0]);
  const logits = new Float64Array(K);
  const acc = new Float64Array(6);
  let sum = 0;
  let sumDs = 0;
  for (let i = 0; i < n; i++) {
    const p = pred[i];
    if (grid !== null && gridRow(grid, p, acc, null)) {
      // BNI on evenly spaced centres: the same sums by an exact multiplicative recurrence
      const z = acc[0];
      const r = p - target[i];
      sum += (r * r) / (2 * s) + acc[3] + Math.log(z);
      gradPred[i] = scale * (r / s - (2 * h[0] * acc[1]) / z);
      gradTarget[i] = (-scale * r) / s;
      sumDs += (-r * r) / (2 * s * s) + (2 * h[0] * h[0] * acc[2]) / z;
      continue;
    }
    let m = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      const d = p - mu[k];
      const l = a[k] - d * d * h[k];
      logits[k] = l;
      if (l > m) m = l;
    }
    let z = 0;
    let gp = 0;
    let gs = 0;
    for (let k = 0; k < K; k++) {
      const e = fastExp(logits[k] - m);
      const d = p - mu[k];
      const hk = h[k];
      z += e;
      gp += e * hk * d;
      gs += e * (2 * hk * hk * d * d - (gai ? hk : 0));
    }
    const lse = m + Math.log(z);
    const r = p - target[i];
    sum += (r * r) / (2 * s) + lse;
    // d/dŷ of the MSE term and of lse (softmax-weighted −2h_k(ŷ − μ_k))
    gradPred[i] = scale * (r / s - (2 * gp) / z);
    gradTarget[i] = (-scale * r) / s;
    sumDs += (-r * r) / (2 * s * s) + gs / z;
  }
  const c = gai ? 0.5 * Math.log(s) : 0;
  const dc = gai ? 1 / (2 * s) : 0;
  return {
    loss: scale * (sum + n * c),
    gradPred,
    gradTarget,
    gradNoiseVar: scale * (sumDs + n * dc),
  };
}
