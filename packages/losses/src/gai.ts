/** GAI — GMM-based Analytic Integration Balanced MSE (spec §1.2), 1-D and multi-dimensional (§1.6). */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from './errors.js';
import { checkGmm, type GmmParams } from './gmm-params.js';
import {
  asColumns,
  asMatrices,
  detach,
  type KernelOptions,
  type NoiseVar,
  noiseVarTensor,
  sqDiff,
  useFused,
} from './inputs.js';
import { fusedLossOp } from './kernels/fused-op.js';
import { mixtureKernel } from './kernels/mixture-kernel.js';
import { symmetricEigen } from './stats/linalg.js';

/**
 * GAI loss, 1-D: mean_i [ (ŷ−y)²/(2s) + ½log s + logsumexp_k(log φ_k − ½log(v_k+s) − (ŷ−μ_k)²/(2(v_k+s))) ]
 * × 2s_detached (spec §1.2). pred/target: [B] or [B, 1] (or dense [..., 1], flattened).
 */
export function gaiLoss(
  pred: tf.Tensor,
  target: tf.Tensor,
  gmm: GmmParams,
  noiseVar: NoiseVar,
  opts: KernelOptions = {},
): tf.Scalar {
  const fn = 'gaiLoss';
  const g = checkGmm(fn, gmm);
  if (g.d !== 1) fail(fn, `the GMM is ${g.d}-dimensional; use gaiLossMD for [B, d] targets`);
  const means = g.means.map((m) => m[0]);
  const variances = g.covariances.map((c) => c[0][0]);
  variances.forEach((v, i) => {
    if (!(v >= 0)) fail(fn, `gmm.variances[${i}] must be ≥ 0, got ${v}`);
  });
  const logWeights = g.weights.map(Math.log);
  return tf.tidy(() => {
    const [p, y] = asColumns(fn, pred, target);
    const s = noiseVarTensor(fn, noiseVar);
    if (useFused(fn, opts.kernel)) {
      return fusedLossOp(p, y, s, (pv, yv, sv) =>
        mixtureKernel(pv, yv, sv, { means, variances, logWeights, logNormTerms: true }),
      );
    }
    const sumVar = tf.add(tf.tensor2d(variances, [1, g.k]), s); // [1, K]
    const bal = tf.sub(
      tf.sub(tf.tensor2d(logWeights, [1, g.k]), tf.mul(0.5, tf.log(sumVar))),
      tf.div(tf.mul(0.5, sqDiff(p, tf.tensor2d(means, [1, g.k]))), sumVar),
    ); // [B, K]
    const mse = tf.add(tf.div(tf.reshape(sqDiff(p, y), [-1]), tf.mul(2, s)), tf.mul(0.5, tf.log(s)));
    return tf.mul(tf.mean(tf.add(mse, tf.logSumExp(bal, 1))), tf.mul(2, detach(s))) as tf.Scalar;
  });
}

/**
 * GAI loss, multi-dimensional (spec §1.6): −log N(y; ŷ, sI) + logsumexp_k[log N(ŷ; μ_k, Σ_k + sI) + log φ_k],
 * × 2s_detached, mean over the batch (the 2π constants cancel and are dropped). pred/target: [B, d].
 * Σ_k + sI is inverted through the eigen-decomposition Σ_k = U Λ Uᵀ, so s may be a learnable tensor.
 */
export function gaiLossMD(pred: tf.Tensor, target: tf.Tensor, gmm: GmmParams, noiseVar: NoiseVar): tf.Scalar {
  const fn = 'gaiLossMD';
  if (!(pred instanceof tf.Tensor)) return fail(fn, 'pred must be a tf.Tensor');
  const d = pred.rank === 1 ? 1 : pred.shape[pred.rank - 1];
  const g = checkGmm(fn, gmm, d);
  const { k } = g;
  const u = new Float32Array(d * k * d); // [d, K·d]: block k holds U_k
  const offsets = new Float32Array(k * d); // μ_kᵀ U_k
  const lambdas = new Float32Array(k * d);
  g.covariances.forEach((cov, c) => {
    const { values, vectors } = symmetricEigen(cov);
    const scaleTol = 1e-10 * Math.max(1, ...values.map(Math.abs));
    for (let j = 0; j < d; j++) {
      if (values[j] < -scaleTol)
        fail(fn, `gmm.variances[${c}] is not positive semi-definite (eigenvalue ${values[j]})`);
      lambdas[c * d + j] = Math.max(values[j], 0);
      let off = 0;
      for (let r = 0; r < d; r++) {
        u[r * k * d + c * d + j] = vectors[r][j];
        off += g.means[c][r] * vectors[r][j];
      }
      offsets[c * d + j] = off;
    }
  });
  const logWeights = g.weights.map(Math.log);
  return tf.tidy(() => {
    const [p, y] = asMatrices(fn, pred, target);
    const b = p.shape[0];
    const s = noiseVarTensor(fn, noiseVar);
    const z = tf.sub(tf.matMul(p, tf.tensor2d(u, [d, k * d])), tf.tensor2d(offsets, [1, k * d])); // Uᵀ(ŷ − μ_k)
    const denom = tf.add(tf.tensor2d(lambdas, [1, k * d]), s); // eigenvalues of Σ_k + sI
    const maha = tf.sum(tf.reshape(tf.div(tf.square(z), denom), [b, k, d]), 2); // [B, K]
    const logDet = tf.sum(tf.reshape(tf.log(denom), [k, d]), 1); // [K]
    const bal = tf.sub(tf.sub(tf.tensor1d(logWeights), tf.mul(0.5, logDet)), tf.mul(0.5, maha));
    const mse = tf.add(tf.div(tf.sum(sqDiff(p, y), 1), tf.mul(2, s)), tf.mul(d / 2, tf.log(s)));
    return tf.mul(tf.mean(tf.add(mse, tf.logSumExp(bal, 1))), tf.mul(2, detach(s))) as tf.Scalar;
  });
}
