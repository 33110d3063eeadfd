/**
 * Inference-mode batch normalisation with the running statistics, optionally followed by ReLU, as one
 * fused operation: the statistics fold into a per-channel scale and shift and one pass computes
 * y = max(x·scale + shift, 0) (conv → BN → ReLU in every ResNet block at evaluation time; tfjs runs
 * FusedBatchNorm then Relu, two passes over the activations). Kernels for wasm (native when built)
 * and cpu; other backends compose tf.batchNorm and tf.relu, with the same numbers. Differentiable in
 * all five inputs (gradients from tfjs ops), e.g. for input saliency through an evaluated model.
 */
import { hasKernel, registerArrayKernel } from '../array-kernel.js';
import { tf } from '../tf.js';
import { wasmKernelSettings } from '../wasm/settings.js';
import { cachedByEpsRelu } from './cached-op.js';

export const bnInferenceKernelName = 'BmseBatchNormInference';

interface Attrs {
  eps: number;
  relu: boolean;
}

/** scale = γ / √(var + ε), shift = β − mean·scale, per channel. */
export function foldBatchNorm(
  mean: Float32Array,
  variance: Float32Array,
  offset: Float32Array | null,
  gamma: Float32Array | null,
  eps: number,
): { scale: Float32Array; shift: Float32Array } {
  const C = mean.length;
  const scale = new Float32Array(C);
  const shift = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + eps);
    shift[c] = (offset ? offset[c] : 0) - mean[c] * scale[c];
  }
  return { scale, shift };
}

/** y = act(x·scale + shift) per channel on plain arrays (C = scale.length). */
export function channelAffineArrays(
  x: Float32Array,
  scale: Float32Array,
  shift: Float32Array,
  y: Float32Array,
  relu: boolean,
): void {
  const C = scale.length;
  for (let o = 0; o < x.length; o += C) {
    for (let c = 0; c < C; c++) {
      const v = Math.fround(x[o + c] * scale[c] + shift[c]);
      y[o + c] = relu && v < 0 ? 0 : v;
    }
  }
}

function compute([x, mean, variance, offset, gamma]: Float32Array[], [y]: Float32Array[], a: Attrs): void {
  const { scale, shift } = foldBatchNorm(mean, variance, offset, gamma, a.eps);
  const native = wasmKernelSettings.native;
  if (native) native.channelAffine(x, scale, shift, y, a.relu);
  else channelAffineArrays(x, scale, shift, y, a.relu);
}

/** Registers the kernel for wasm and cpu (idempotent). */
export function registerBatchNormInferenceKernels(): void {
  registerArrayKernel<Attrs>({
    kernelName: bnInferenceKernelName,
    inputs: ['x', 'mean', 'variance', 'offset', 'scale'],
    outputShapes: ([x]) => [x],
    compute,
  });
}

const fusedFor = cachedByEpsRelu((eps, relu) => {
  const attrs = { eps, relu };
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, mean, variance, offset, scale] = args as tf.Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    const inputs = { x, mean, variance, offset, scale } as Record<string, tf.Tensor>;
    const [y] = tf.engine().runKernel(bnInferenceKernelName, inputs, attrs) as tf.Tensor[];
    save([x, mean, variance, scale, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sm, sv, sg, sy] = saved;
        const axes = [...Array(sx.rank - 1).keys()];
        const g = relu ? tf.mul(dy as tf.Tensor, tf.step(sy)) : (dy as tf.Tensor);
        const rstd = tf.rsqrt(tf.add(sv, eps));
        const centred = tf.sub(sx, sm);
        const gSum = tf.sum(g, axes);
        const gCentredSum = tf.sum(tf.mul(g, centred), axes);
        return [
          tf.mul(g, tf.mul(sg, rstd)),
          tf.neg(tf.mul(gSum, tf.mul(sg, rstd))),
          tf.mul(gCentredSum, tf.mul(tf.mul(sg, -0.5), tf.pow(rstd, 3))),
          gSum,
          tf.mul(gCentredSum, rstd),
        ];
      },
    };
  }) as (...inputs: tf.Tensor[]) => tf.Tensor;
});

/**
 * Inference batch norm of x ([..., C]) with per-channel mean, variance, offset β and scale γ ([C]),
 * then max(·, 0) when `relu`; see the file comment.
 */
export function batchNormInference(
  x: tf.Tensor,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  offset: tf.Tensor1D,
  scale: tf.Tensor1D,
  eps = 1e-5,
  relu = false,
): tf.Tensor {
  const C = x.shape[x.rank - 1];
  for (const [name, t] of [
    ['mean', mean],
    ['variance', variance],
    ['offset', offset],
    ['scale', scale],
  ] as const) {
    if (t.rank !== 1 || t.shape[0] !== C)
      throw new Error(
        `batchNormInference: ${name} must have shape [${C}] for x of shape [${x.shape}], got [${t.shape}]`,
      );
  }
  if (!hasKernel(bnInferenceKernelName)) {
    return tf.tidy(() => {
      const y = tf.batchNorm(x, mean, variance, offset, scale, eps);
      return relu ? tf.relu(y) : y;
    });
  }
  return fusedFor(eps, relu)(x, mean, variance, offset, scale);
}
