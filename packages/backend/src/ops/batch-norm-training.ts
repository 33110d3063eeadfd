/**
 * Training-mode batch normalisation as one fused operation: normalise over all
 * axes but the last with the batch's own mean and (biased) variance, scale by
 * gamma, shift by beta — PyTorch's BatchNorm in train mode — with the gradient
 * w.r.t. x, gamma and beta in one backward kernel (it accounts for the batch
 * statistics' dependence on x). tfjs composes this from ~20 ops and as many
 * passes over the activations; the fused kernels make two passes each way.
 * Kernels for wasm (native when built, else JS) and cpu; other backends (tfjs-node)
 * compose it from tfjs ops, with the same numbers.
 *
 * The returned batch mean and variance are statistics for running averages:
 * they carry no gradient.
 */
import { tf } from '../tf.js';
import { heapF32, type WasmBackend } from '../wasm/heap.js';
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

type Infos = Record<string, tf.TensorInfo>;
interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function wasmForward({ inputs, backend, attrs }: { inputs: Infos; backend: WasmBackend; attrs: { eps: number } }) {
  const { x, gamma, beta } = inputs;
  const C = gamma.shape[0];
  const outs = [
    backend.makeOutput(x.shape, 'float32'),
    backend.makeOutput([C], 'float32'),
    backend.makeOutput([C], 'float32'),
  ];
  const [xa, ga, ba] = [x, gamma, beta].map((t) => heapF32(backend, t));
  const [y, mean, variance] = outs.map((t) => heapF32(backend, t));
  if (wasmKernelSettings.native)
    wasmKernelSettings.native.batchNormTrainForward(xa, ga, ba, y, mean, variance, attrs.eps);
  else bnTrainForwardArrays(xa, ga, ba, y, mean, variance, attrs.eps);
  return outs;
}

function wasmBackward({ inputs, backend, attrs }: { inputs: Infos; backend: WasmBackend; attrs: { eps: number } }) {
  const { dy, x, gamma, mean, variance } = inputs;
  const C = gamma.shape[0];
  const outs = [
    backend.makeOutput(x.shape, 'float32'),
    backend.makeOutput([C], 'float32'),
    backend.makeOutput([C], 'float32'),
  ];
  const ins = [dy, x, gamma, mean, variance].map((t) => heapF32(backend, t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const [dx, dgamma, dbeta] = outs.map((t) => heapF32(backend, t));
  if (wasmKernelSettings.native) wasmKernelSettings.native.batchNormTrainBackward(...ins, dx, dgamma, dbeta, attrs.eps);
  else bnTrainBackwardArrays(...ins, dx, dgamma, dbeta, attrs.eps);
  return outs;
}

function cpuForward({ inputs, backend, attrs }: { inputs: Infos; backend: CpuBackend; attrs: { eps: number } }) {
  const { x, gamma, beta } = inputs;
  const C = gamma.shape[0];
  const [xa, ga, ba] = [x, gamma, beta].map((t) => backend.data.get(t.dataId).values);
  const y = new Float32Array(xa.length);
  const mean = new Float32Array(C);
  const variance = new Float32Array(C);
  bnTrainForwardArrays(xa, ga, ba, y, mean, variance, attrs.eps);
  return [
    backend.makeTensorInfo(x.shape, 'float32', y),
    backend.makeTensorInfo([C], 'float32', mean),
    backend.makeTensorInfo([C], 'float32', variance),
  ];
}

function cpuBackward({ inputs, backend, attrs }: { inputs: Infos; backend: CpuBackend; attrs: { eps: number } }) {
  const { dy, x, gamma, mean, variance } = inputs;
  const C = gamma.shape[0];
  const ins = [dy, x, gamma, mean, variance].map((t) => backend.data.get(t.dataId).values) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const dx = new Float32Array(ins[1].length);
  const dgamma = new Float32Array(C);
  const dbeta = new Float32Array(C);
  bnTrainBackwardArrays(...ins, dx, dgamma, dbeta, attrs.eps);
  return [
    backend.makeTensorInfo(x.shape, 'float32', dx),
    backend.makeTensorInfo([C], 'float32', dgamma),
    backend.makeTensorInfo([C], 'float32', dbeta),
  ];
}

let registered = false;

/** Registers the fused batch-norm kernels for wasm and cpu (idempotent). */
export function registerBatchNormTrainingKernels(): void {
  if (registered) return;
  const k = (kernelName: string, backendName: string, fn: unknown) =>
    tf.registerKernel({ kernelName, backendName, kernelFunc: fn as tf.KernelFunc });
  k(bnTrainKernelName, 'wasm', wasmForward);
  k(bnTrainGradKernelName, 'wasm', wasmBackward);
  k(bnTrainKernelName, 'cpu', cpuForward);
  k(bnTrainGradKernelName, 'cpu', cpuBackward);
  registered = true;
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
  if (tf.getKernel(bnTrainKernelName, tf.getBackend()) == null) {
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
