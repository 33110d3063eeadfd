/**
 * One Adam step for one parameter tensor, PyTorch semantics (torch.optim.Adam,
 * L2 weight decay added to the gradient):
 *   g' = g + wd*p;  m' = b1*m + (1-b1)*g';  v' = b2*v + (1-b2)*g'^2
 *   p' = p - lr * (m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps)
 * As a kernel ('BmseAdamUpdate': inputs param, grad, m, v -> outputs p', m', v'),
 * one pass over memory on wasm and cpu instead of ~12 tfjs ops; other backends
 * (tfjs-node) compose the same formula from tfjs ops.
 */

import { hasKernel, registerArrayKernel } from '../array-kernel.js';
import { tf } from '../tf.js';
import { isExclusiveWasmF32, markWrittenInPlace, wasmF32 } from '../wasm/in-place.js';
import { wasmKernelSettings } from '../wasm/settings.js';

export const adamUpdateKernelName = 'BmseAdamUpdate';

export interface AdamUpdateAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1 - beta1^t and 1 - beta2^t for the step t being taken */
  bias1: number;
  bias2: number;
}

/** The update on plain arrays (shared by the wasm and cpu kernels). */
export function adamUpdateArrays(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  outP: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
  a: AdamUpdateAttrs,
): void {
  const { lr, beta1, beta2, eps, weightDecay } = a;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const stepSize = lr / a.bias1;
  const rootBias2 = Math.sqrt(a.bias2);
  for (let i = 0; i < p.length; i++) {
    const gi = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
    const mi = beta1 * m[i] + c1 * gi;
    const vi = beta2 * v[i] + c2 * gi * gi;
    outM[i] = mi;
    outV[i] = vi;
    outP[i] = p[i] - (stepSize * mi) / (Math.sqrt(vi) / rootBias2 + eps);
  }
}

/** The update on arrays, native C when built (any Float32Array works), else JS. */
function computeAdam([p0, g0, m0, v0]: Float32Array[], [p1, m1, v1]: Float32Array[], a: AdamUpdateAttrs): void {
  const native = wasmKernelSettings.native;
  if (native) {
    native.adamUpdate(
      p0,
      g0,
      m0,
      v0,
      p1,
      m1,
      v1,
      Float64Array.of(a.lr, a.beta1, a.beta2, a.eps, a.weightDecay, a.bias1, a.bias2),
    );
  } else {
    adamUpdateArrays(p0, g0, m0, v0, p1, m1, v1, a);
  }
}

/** Registers the fused Adam kernel for wasm and cpu (idempotent). */
export function registerAdamUpdateKernels(): void {
  registerArrayKernel<AdamUpdateAttrs>({
    kernelName: adamUpdateKernelName,
    inputs: ['param', 'grad', 'm', 'v'],
    outputShapes: ([p]) => [p, p, p],
    compute: computeAdam,
  });
}

/** p', m', v' for one parameter: the fused kernel where registered, else the same formula in tfjs ops. */
export function adamUpdate(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  attrs: AdamUpdateAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (hasKernel(adamUpdateKernelName)) {
    return tf
      .engine()
      .runKernel(adamUpdateKernelName, { param, grad, m, v }, attrs as unknown as tf.NamedAttrMap) as unknown as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
  }
  return tf.tidy(() => {
    const g = attrs.weightDecay !== 0 ? tf.add(grad, tf.mul(param, attrs.weightDecay)) : grad;
    const m1 = tf.add(tf.mul(m, attrs.beta1), tf.mul(g, 1 - attrs.beta1));
    const v1 = tf.add(tf.mul(v, attrs.beta2), tf.mul(tf.square(g), 1 - attrs.beta2));
    const denom = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(attrs.bias2)), attrs.eps);
    const p1 = tf.sub(param, tf.div(tf.mul(m1, attrs.lr / attrs.bias1), denom));
    return [p1, m1, v1] as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}

/**
 * The update written into param, m and v themselves (wasm backend, each tensor's memory
 * unshared; the arithmetic is the kernel's). Returns false, changing nothing, when
 * that does not apply: then use `adamUpdate` and assign.
 */
export function adamUpdateInPlace(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  attrs: AdamUpdateAttrs,
): boolean {
  if (grad.dtype !== 'float32' || grad.size !== param.size) return false;
  if (!isExclusiveWasmF32(param) || !isExclusiveWasmF32(m) || !isExclusiveWasmF32(v)) return false;
  // views after every check: no allocation happens between taking them and writing
  const p = wasmF32(param);
  const mm = wasmF32(m);
  const vv = wasmF32(v);
  computeAdam([p, wasmF32(grad), mm, vv], [p, mm, vv], attrs);
  for (const t of [param, m, v]) markWrittenInPlace(t);
  return true;
}
