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
 * The returned batch mean and variance are statistics for running averages:
 * they carry no gradient.
 */

import { hasKernel, registerArrayKernel } from '../array-kernel.js';
import { tf } from '../tf.js';
import { wasmKernelSettings } from '../wasm/settings.js';

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
    for (let c = 0; c < C; c++) y[o + c] = x[o + c] * scale[c] + shift[c];
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
): void {
  const C = gamma.length;
  const rows = x.length / C;
  const rstd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const s = new Float64Array(C);
  const sxh = new Float64Array(C);
  for (let r = 0, o = 0; r < rows; r++, o += C) {
    for (let c = 0; c < C; c++) {
      s[c] += dy[o + c];
      sxh[c] += dy[o + c] * (x[o + c] - mean[c]) * rstd[c];
    }
  }
  for (let c = 0; c < C; c++) {
    dbeta[c] = s[c];
    dgamma[c] = sxh[c];
  }
  for (let r = 0, o = 0; r < rows; r++, o += C) {
    for (let c = 0; c < C; c++) {
      const xh = (x[o + c] - mean[c]) * rstd[c];
      dx[o + c] = gamma[c] * rstd[c] * (dy[o + c] - s[c] / rows - (xh * sxh[c]) / rows);
    }
  }
}

function computeForward(
  [x, gamma, beta]: Float32Array[],
  [y, mean, variance]: Float32Array[],
  a: { eps: number },
): void {
  if (wasmKernelSettings.native)
    wasmKernelSettings.native.batchNormTrainForward(x, gamma, beta, y, mean, variance, a.eps);
  else bnTrainForwardArrays(x, gamma, beta, y, mean, variance, a.eps);
}

function computeBackward(ins: Float32Array[], [dx, dgamma, dbeta]: Float32Array[], a: { eps: number }): void {
  const [dy, x, gamma, mean, variance] = ins;
  if (wasmKernelSettings.native) {
    wasmKernelSettings.native.batchNormTrainBackward(dy, x, gamma, mean, variance, dx, dgamma, dbeta, a.eps);
  } else {
    bnTrainBackwardArrays(dy, x, gamma, mean, variance, dx, dgamma, dbeta, a.eps);
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
    inputs: ['dy', 'x', 'gamma', 'mean', 'variance'],
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
const fusedByEps = new Map<number, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>();

/** The fused op for one epsilon (tf.customGrad takes tensors only). */
function fusedFor(eps: number) {
  let op = fusedByEps.get(eps);
  if (!op) {
    op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const [y, mean, variance] = tf.engine().runKernel(bnTrainKernelName, { x, gamma, beta }, { eps }) as tf.Tensor[];
      save([x, gamma, mean, variance]);
      // the statistics leave through `lastStats`, so they must outlive customGrad's tidy
      lastStats = [tf.keep(mean) as tf.Tensor1D, tf.keep(variance) as tf.Tensor1D];
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sx, sg, sm, sv] = saved;
          return tf
            .engine()
            .runKernel(
              bnTrainGradKernelName,
              { dy: dy as tf.Tensor, x: sx, gamma: sg, mean: sm, variance: sv },
              { eps },
            ) as tf.Tensor[];
        },
      };
    }) as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
    fusedByEps.set(eps, op);
  }
  return op;
}

/**
 * Training-mode batch norm of x ([..., C]) with gamma and beta ([C]); see the file
 * comment. The caller owns (and disposes) the returned tensors, as with any tfjs op.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps = 1e-5,
): BatchNormTrainingResult {
  const C = x.shape[x.rank - 1];
  if (gamma.shape[0] !== C || beta.shape[0] !== C || gamma.rank !== 1 || beta.rank !== 1) {
    throw new Error(`batchNormTraining: gamma and beta must have shape [${C}] for x of shape [${x.shape}]`);
  }
  if (!hasKernel(bnTrainKernelName)) {
    return tf.tidy(() => {
      const axes = [...Array(x.rank - 1).keys()];
      const { mean, variance } = tf.moments(x, axes);
      const y = tf.batchNorm(x, mean, variance, beta, gamma, eps);
      return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
    }) as unknown as BatchNormTrainingResult;
  }
  const y = fusedFor(eps)(x, gamma, beta);
  const [mean, variance] = lastStats as [tf.Tensor1D, tf.Tensor1D];
  lastStats = null;
  return { y, mean, variance };
}
