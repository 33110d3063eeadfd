/**
 * Training-mode batch normalisation as one fused operation: normalise over all
 * axes but the last with the batch's own mean and (biased) variance, scale by
 * gamma, shift by beta — PyTorch's BatchNorm in train mode — with the gradient
 * w.r.t. x, gamma and beta in one backward kernel (it accounts for the batch
 * statistics' dependence on x). tfjs composes this from ~20 ops and as many
 * passes over the activations; the fused kernels make two passes each way.
 * Kernels for wasm and cpu (native C when built, else JS); other backends (tfjs-node)
 * compose it from tfjs ops, with the same numbers.
 *
 * With `relu` the op also applies max(·, 0) in its last pass and the gradient counts dy only where
 * that output is positive (conv → BN → ReLU, every ResNet block): one op, no ReLU pass and no ReLU
 * gradient pass over the activations. The values are exactly those of tf.relu on the op's output.
 *
 * The returned batch mean and variance are statistics for running averages:
 * they carry no gradient.
 */

import { hasKernel, registerArrayKernel } from '../array-kernel.js';
import { tf } from '../tf.js';
import { wasmKernelSettings } from '../wasm/settings.js';
import { cachedByEpsRelu } from './cached-op.js';

export const bnTrainKernelName = 'BmseBatchNormTrain';
export const bnTrainGradKernelName = 'BmseBatchNormTrainGrad';

/** Forward on plain arrays: y, mean, variance from x [rows, C], gamma [C], beta [C]. */
export function bnTrainForwardArrays(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps: number,
  relu = false,
): void {
  const C = gamma.length;
  const rows = x.length / C;
  const s = new Float64Array(C);
  const sq = new Float64Array(C);
  for (let r = 0, o = 0; r < rows; r++, o += C) {
    for (let c = 0; c < C; c++) {
      const v = x[o + c];
      s[c] += v;
      sq[c] += v * v;
    }
  }
  const scale = new Float32Array(C);
  const shift = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const m = s[c] / rows;
    mean[c] = m;
    variance[c] = Math.max(0, sq[c] / rows - m * m);
    scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  for (let r = 0, o = 0; r < rows; r++, o += C) {
    for (let c = 0; c < C; c++) {
      const v = Math.fround(x[o + c] * scale[c] + shift[c]);
      y[o + c] = relu && v < 0 ? 0 : v;
    }
  }
}

/** Backward on plain arrays: dx, dgamma, dbeta. */
export function bnTrainBackwardArrays(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
  eps: number,
  reluOut: Float32Array | null = null,
): void {
  const C = gamma.length;
  const rows = x.length / C;
  const rstd = variance.map((v) => 1 / Math.sqrt(v + eps));
  // the fused ReLU's gradient: dy where its output is positive (no copy of dy)
  const g = (i: number) => (reluOut && !(reluOut[i] > 0) ? 0 : dy[i]);
  const s = new Float64Array(C);
  const sxh = new Float64Array(C);
  for (let r = 0, o = 0; r < rows; r++, o += C) {
    for (let c = 0; c < C; c++) {
      const gi = g(o + c);
      s[c] += gi;
      sxh[c] += gi * (x[o + c] - mean[c]) * rstd[c];
    }
  }
  for (let c = 0; c < C; c++) {
    dbeta[c] = s[c];
    dgamma[c] = sxh[c];
  }
  for (let r = 0, o = 0; r < rows; r++, o += C) {
    for (let c = 0; c < C; c++) {
      const xh = (x[o + c] - mean[c]) * rstd[c];
      dx[o + c] = gamma[c] * rstd[c] * (g(o + c) - s[c] / rows - (xh * sxh[c]) / rows);
    }
  }
}

interface BnAttrs {
  eps: number;
  relu: boolean;
}

function computeForward([x, gamma, beta]: Float32Array[], [y, mean, variance]: Float32Array[], a: BnAttrs): void {
  if (wasmKernelSettings.native)
    wasmKernelSettings.native.batchNormTrainForward(x, gamma, beta, y, mean, variance, a.eps, a.relu);
  else bnTrainForwardArrays(x, gamma, beta, y, mean, variance, a.eps, a.relu);
}

/** inputs: dy, x, gamma, mean, variance, and with a fused ReLU its output y */
function computeBackward(ins: Float32Array[], [dx, dgamma, dbeta]: Float32Array[], a: BnAttrs): void {
  const [dy, x, gamma, mean, variance, reluOut = null] = ins;
  if (wasmKernelSettings.native) {
    wasmKernelSettings.native.batchNormTrainBackward(dy, x, gamma, mean, variance, dx, dgamma, dbeta, a.eps, reluOut);
  } else {
    bnTrainBackwardArrays(dy, x, gamma, mean, variance, dx, dgamma, dbeta, a.eps, reluOut);
  }
}

/** Registers the fused batch-norm kernels for wasm and cpu (idempotent). */
export function registerBatchNormTrainingKernels(): void {
  registerArrayKernel({
    kernelName: bnTrainKernelName,
    inputs: ['x', 'gamma', 'beta'],
    outputShapes: ([x, gamma]) => [x, gamma, gamma],
    compute: computeForward,
  });
  registerArrayKernel({
    kernelName: bnTrainGradKernelName,
    inputs: ['dy', 'x', 'gamma', 'mean', 'variance', 'reluOut'],
    outputShapes: ([, x, gamma]) => [x, gamma, gamma],
    compute: computeBackward,
  });
}

export interface BatchNormTrainingResult {
  /** normalised, scaled and shifted x */
  y: tf.Tensor;
  /** batch mean and biased batch variance per channel (no gradient; for running averages) */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

let lastStats: [tf.Tensor1D, tf.Tensor1D] | null = null;

/** The fused op for one epsilon and ReLU choice (tf.customGrad takes tensors only). */
const fusedFor = cachedByEpsRelu((eps, relu) => {
  const attrs = { eps, relu };
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance] = tf.engine().runKernel(bnTrainKernelName, { x, gamma, beta }, attrs) as tf.Tensor[];
    save(relu ? [x, gamma, mean, variance, y] : [x, gamma, mean, variance]);
    // the statistics leave through `lastStats`, so they must outlive customGrad's tidy
    lastStats = [tf.keep(mean) as tf.Tensor1D, tf.keep(variance) as tf.Tensor1D];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sg, sm, sv, reluOut] = saved;
        const inputs = { dy: dy as tf.Tensor, x: sx, gamma: sg, mean: sm, variance: sv };
        return tf
          .engine()
          .runKernel(bnTrainGradKernelName, relu ? { ...inputs, reluOut } : inputs, attrs) as tf.Tensor[];
      },
    };
  }) as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
});

/**
 * Training-mode batch norm of x ([..., C]) with gamma and beta ([C]), then max(·, 0) when `relu`;
 * see the file comment. The caller owns (and disposes) the returned tensors, as with any tfjs op.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps = 1e-5,
  relu = false,
): BatchNormTrainingResult {
  const C = x.shape[x.rank - 1];
  if (gamma.shape[0] !== C || beta.shape[0] !== C || gamma.rank !== 1 || beta.rank !== 1) {
    throw new Error(`batchNormTraining: gamma and beta must have shape [${C}] for x of shape [${x.shape}]`);
  }
  if (!hasKernel(bnTrainKernelName)) {
    return tf.tidy(() => {
      const axes = [...Array(x.rank - 1).keys()];
      const { mean, variance } = tf.moments(x, axes);
      const normalised = tf.batchNorm(x, mean, variance, beta, gamma, eps);
      const y = relu ? tf.relu(normalised) : normalised;
      return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
    }) as unknown as BatchNormTrainingResult;
  }
  const y = fusedFor(eps, relu)(x, gamma, beta);
  const [mean, variance] = lastStats as [tf.Tensor1D, tf.Tensor1D];
  lastStats = null;
  return { y, mean, variance };
}
