/** BNI — Bin-based Numerical Integration Balanced MSE (spec §1.4). */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from './errors.js';
import {
  asColumns,
  detach,
  finiteArray,
  type KernelOptions,
  type NoiseVar,
  noiseVarTensor,
  sqDiff,
  useFused,
} from './inputs.js';
import { fusedLossOp } from './kernels/fused-op.js';
import { mixtureKernel } from './kernels/mixture-kernel.js';

/**
 * BNI loss: mean_i [ (ŷ−y)²/(2s) + logsumexp_b(−(ŷ−c_b)²/(2s) + log w_b) ] × 2s_detached
 * (spec §1.4: no ½·log s terms; the loss can be negative, BalancedMSE issue #21).
 * bucketCenters/bucketWeights: from bucketInfo / nyud2BucketInfo (weights are used as given).
 */
export function bniLoss(
  pred: tf.Tensor,
  target: tf.Tensor,
  bucketCenters: number[],
  bucketWeights: number[],
  noiseVar: NoiseVar,
  opts: KernelOptions = {},
): tf.Scalar {
  const fn = 'bniLoss';
  const centers = finiteArray(fn, 'bucketCenters', bucketCenters);
  const weights = finiteArray(fn, 'bucketWeights', bucketWeights);
  if (centers.length !== weights.length) {
    fail(fn, `bucketCenters has ${centers.length} entries but bucketWeights has ${weights.length}`);
  }
  if (weights.some((w) => w < 0) || !weights.some((w) => w > 0)) {
    fail(fn, 'bucketWeights must be ≥ 0 with at least one > 0');
  }
  const logWeights = weights.map(Math.log);
  const nb = centers.length;
  return tf.tidy(() => {
    const [p, y] = asColumns(fn, pred, target);
    const s = noiseVarTensor(fn, noiseVar);
    if (useFused(fn, opts.kernel)) {
      const zeros = new Array<number>(nb).fill(0);
      return fusedLossOp(p, y, s, (pv, yv, sv) =>
        mixtureKernel(pv, yv, sv, { means: centers, variances: zeros, logWeights, logNormTerms: false }),
      );
    }
    const twoS = tf.mul(2, s);
    const bal = tf.add(
      tf.neg(tf.div(sqDiff(p, tf.tensor2d(centers, [1, nb])), twoS)),
      tf.tensor2d(logWeights, [1, nb]),
    );
    const mse = tf.div(tf.reshape(sqDiff(p, y), [-1]), twoS);
    return tf.mul(tf.mean(tf.add(mse, tf.logSumExp(bal, 1))), tf.mul(2, detach(s))) as tf.Scalar;
  });
}
