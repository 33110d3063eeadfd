/** BMC, multi-dimensional (spec §1.6: logits_ij = log N(y_j; ŷ_i, σ²I), row constants dropped). */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from './errors.js';
import { asMatrices, detach, type KernelOptions, type NoiseVar, noiseVarTensor, sqDiff, useFused } from './inputs.js';
import { bmcMdFused } from './kernels/bmc-md-kernel.js';

/**
 * BMC-MD loss: CrossEntropy(logits_ij = −‖ŷ_i − y_j‖²/(2s), targets = diagonal) × 2s_detached.
 * pred/target: [B, d]; reduces to bmcLoss for d = 1. Distances use ‖a‖² + ‖b‖² − 2a·b (one
 * matMul) after centring both sets on the targets' mean (BMC is shift-invariant), and the
 * positive term uses the exact difference.
 */
export function bmcLossMD(pred: tf.Tensor, target: tf.Tensor, noiseVar: NoiseVar, opts: KernelOptions = {}): tf.Scalar {
  const fn = 'bmcLossMD';
  return tf.tidy(() => {
    const [p0, y0] = asMatrices(fn, pred, target);
    const b = p0.shape[0];
    if (b < 2) fail(fn, `needs a batch of at least 2 samples, got ${b}; use gaiLossMD for batch size 1`);
    const s = noiseVarTensor(fn, noiseVar);
    if (useFused(fn, opts.kernel)) return bmcMdFused(p0, y0, s);
    const centre = tf.mean(y0, 0, true);
    const p = tf.sub(p0, centre);
    const y = tf.sub(y0, centre);
    const pn = tf.sum(tf.square(p), 1, true); // [B, 1]
    const yn = tf.reshape(tf.sum(tf.square(y), 1), [1, b]); // [1, B]
    const dist = tf.sub(tf.add(pn, yn), tf.mul(2, tf.matMul(p, y, false, true))); // ‖ŷ_i − y_j‖²
    const h = tf.div(0.5, s);
    const lse = tf.logSumExp(tf.mul(tf.neg(dist), h), 1);
    const ce = tf.add(lse, tf.mul(tf.sum(sqDiff(p0, y0), 1), h));
    return tf.mul(tf.mean(ce), tf.mul(2, detach(s))) as tf.Scalar;
  });
}
