/**
 * BMC — Batch-based Monte-Carlo Balanced MSE (spec §1.3), 1-D, and the bounded-negative
 * variant the authors suggested in BalancedMSE issue #5.
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { fail } from './errors.js';
import { asColumns, detach, type KernelOptions, type NoiseVar, noiseVarTensor, sqDiff, useFused } from './inputs.js';
import { bmcKernel } from './kernels/bmc-kernel.js';
import { fusedLossOp } from './kernels/fused-op.js';

function checkBatch(fn: string, n: number): void {
  // the official code silently returns 0 for B = 1 (BalancedMSE issues #14, #19)
  if (n < 2)
    fail(
      fn,
      `needs a batch of at least 2 samples (BMC classifies each prediction among the batch's labels), got ${n}; use gaiLoss or bniLoss for batch size 1`,
    );
}

/**
 * BMC loss: CrossEntropy(logits = −(ŷ_i − y_j)²/(2σ²), targets = diagonal) × 2σ²_detached
 * (spec §1.3; the sample's own label is in the denominator). pred/target: [B] or [B, 1].
 */
export function bmcLoss(pred: tf.Tensor, target: tf.Tensor, noiseVar: NoiseVar, opts: KernelOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const [p, y] = asColumns('bmcLoss', pred, target);
    checkBatch('bmcLoss', p.shape[0]);
    const s = noiseVarTensor('bmcLoss', noiseVar);
    if (useFused('bmcLoss', opts.kernel)) return fusedLossOp(p, y, s, (pv, yv, sv) => bmcKernel(pv, yv, sv, null));
    const h = tf.div(0.5, s);
    const logits = tf.mul(tf.neg(sqDiff(p, tf.reshape(y, [1, -1]))), h); // [B, B]
    const ce = tf.add(tf.logSumExp(logits, 1), tf.mul(tf.reshape(sqDiff(p, y), [-1]), h));
    return tf.mul(tf.mean(ce), tf.mul(2, detach(s))) as tf.Scalar;
  });
}

export interface BoundedBmcOptions extends KernelOptions {
  /** number of shared negatives M sampled from the batch's labels (without replacement; capped at the batch size) */
  numNegatives?: number;
  /** or: the indices into the flattened target to use as negatives */
  negativeIndices?: ArrayLike<number>;
  /** random source for sampling the negatives, uniform in [0, 1) (default: seedrandom('bmc-negatives'), one stream per process) */
  rng?: () => number;
}

let defaultRng: (() => number) | null = null;

/** y[indices] with a scatter-add gradient (tf.gather's needs UnsortedSegmentSum, which wasm lacks). */
function gatherRows(y: tf.Tensor2D, indices: Int32Array): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return {
      value: tf.gather(x, indices),
      gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.tensor2d(indices, [indices.length, 1], 'int32'), dy, x.shape),
    };
  });
  return op(y);
}

/** M distinct indices out of n (partial Fisher–Yates). */
export function sampleNegativeIndices(n: number, m: number, rng: () => number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const k = Math.min(m, n);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, k);
}

/**
 * BMC with a bounded number of negatives per row (BalancedMSE issue #5): each row is classified
 * among its own label (the positive) and M labels shared by all rows, so memory and time are
 * O(N·M) instead of O(N²) — usable on dense per-pixel targets. With M = N − 1 distinct other
 * labels it is not identical to bmcLoss (the own label is counted once more); it is the author's
 * down-sampled estimator.
 */
export function bmcLossBounded(
  pred: tf.Tensor,
  target: tf.Tensor,
  noiseVar: NoiseVar,
  opts: BoundedBmcOptions = {},
): tf.Scalar {
  const fn = 'bmcLossBounded';
  return tf.tidy(() => {
    const [p, y] = asColumns(fn, pred, target);
    const n = p.shape[0];
    let indices: Int32Array;
    if (opts.negativeIndices !== undefined) {
      indices = Int32Array.from(opts.negativeIndices);
      if (indices.length === 0) fail(fn, 'negativeIndices is empty');
      for (const i of indices) if (!(i >= 0 && i < n)) fail(fn, `negative index ${i} is outside [0, ${n})`);
    } else {
      const m = opts.numNegatives ?? 1024;
      if (!Number.isInteger(m) || m < 1) fail(fn, `numNegatives must be an integer ≥ 1, got ${m}`);
      if (!opts.rng) defaultRng ??= seedrandom('bmc-negatives');
      indices = sampleNegativeIndices(n, m, opts.rng ?? (defaultRng as () => number));
    }
    const s = noiseVarTensor(fn, noiseVar);
    if (useFused(fn, opts.kernel)) {
      return fusedLossOp(p, y, s, (pv, yv, sv) => {
        const values = new Float32Array(indices.length);
        for (let j = 0; j < indices.length; j++) values[j] = yv[indices[j]];
        return bmcKernel(pv, yv, sv, { values, sourceIndex: indices });
      });
    }
    const h = tf.div(0.5, s);
    const negatives = tf.reshape(gatherRows(y, indices), [1, -1]);
    const own = tf.neg(sqDiff(p, y)); // [N, 1]
    const logits = tf.mul(tf.concat([own, tf.neg(sqDiff(p, negatives))], 1), h);
    const ce = tf.sub(tf.logSumExp(logits, 1), tf.reshape(tf.mul(own, h), [-1]));
    return tf.mul(tf.mean(ce), tf.mul(2, detach(s))) as tf.Scalar;
  });
}
