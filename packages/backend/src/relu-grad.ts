/**
 * ReLU gradient in one pass (dx = dy * (x > 0)) on wasm (native C when built) and cpu, instead of
 * tfjs-core's step(x) -> cast -> multiply (two passes and a temporary the size
 * of the activation). Other backends keep tfjs-core's formula.
 */

import { hasKernel, registerArrayKernel } from './array-kernel.js';
import { tf } from './tf.js';
import { wasmKernelSettings } from './wasm/settings.js';

export const reluGradKernelName = 'BmseReluGrad';

/** dx = dy * step(x), exactly tfjs-core's product (a branch-free loop: ReLU inputs defeat branch prediction); x may be ReLU's input or output. */
function reluGradArrays(dy: Float32Array, x: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) dx[i] = dy[i] * +(x[i] > 0);
}

function computeReluGrad([dy, x]: Float32Array[], [dx]: Float32Array[]): void {
  if (wasmKernelSettings.native) wasmKernelSettings.native.reluGrad(dy, x, dx);
  else reluGradArrays(dy, x, dx);
}

/** dx = dy * step(y) for y = relu(x) (or y = x): the one-pass kernel where registered, else tfjs-core's formula. */
export function reluBackward(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (y.dtype === 'float32' && dy.dtype === 'float32' && hasKernel(reluGradKernelName)) {
    // array kernels return a list of outputs
    return (tf.engine().runKernel(reluGradKernelName, { dy, x: y }) as unknown as tf.Tensor[])[0];
  }
  return tf.mul(dy, tf.cast(tf.step(y), 'float32'));
}

export const reluGradBiasKernelName = 'BmseReluGradBias';

/** dx = dy · step(y) and db = Σ of dx over every axis but the last, in one pass (float64 sums, fixed chunks of 1024 rows as the native kernel). */
function reluGradBiasArrays(dy: Float32Array, y: Float32Array, dx: Float32Array, db: Float32Array): void {
  const C = db.length;
  const rows = dy.length / C;
  const total = new Float64Array(C);
  const chunk = new Float64Array(C);
  for (let r0 = 0; r0 < rows; r0 += 1024) {
    chunk.fill(0);
    for (let r = r0, i = r0 * C; r < Math.min(rows, r0 + 1024); r++)
      for (let c = 0; c < C; c++, i++) {
        const v = dy[i] * +(y[i] > 0);
        dx[i] = v;
        chunk[c] += v;
      }
    for (let c = 0; c < C; c++) total[c] += chunk[c];
  }
  for (let c = 0; c < C; c++) db[c] = total[c];
}

function computeReluGradBias([dy, y]: Float32Array[], [dx, db]: Float32Array[]): void {
  if (wasmKernelSettings.native) wasmKernelSettings.native.reluGradBias(dy, y, dx, db);
  else reluGradBiasArrays(dy, y, dx, db);
}

/**
 * The gradient of relu(z + bias) for z with channels innermost: [dz, dbias] with dz = dy · step(y) and dbias
 * its sum over every axis but the last — one pass where the kernel is registered, else reluBackward + a sum.
 */
export function reluBackwardWithBiasSum(dy: tf.Tensor, y: tf.Tensor): [tf.Tensor, tf.Tensor] {
  if (y.dtype === 'float32' && dy.dtype === 'float32' && y.rank > 1 && hasKernel(reluGradBiasKernelName)) {
    return tf.engine().runKernel(reluGradBiasKernelName, { dy, y }) as unknown as [tf.Tensor, tf.Tensor];
  }
  const d = reluBackward(dy, y);
  return [d, tf.sum(d, [...Array(y.rank - 1).keys()])];
}

/**
 * Saves ReLU's output, not its input: y > 0 exactly where x > 0, so the gradient is the
 * same, but y is also the next layer's input (saved anyway, memory shared) while x, a
 * batch-norm or residual-sum output, then needs no keeping after the forward pass (as
 * PyTorch's in-place ReLU). In a conv-BN-ReLU net that is one activation in three fewer.
 */
export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  outputsToSave: [true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [y] = saved; // the output y: step(y) = step(x)
    return { x: () => reluBackward(dy as tf.Tensor, y) };
  },
};

let registered = false;

/** Registers the one-pass ReLU gradient kernels (wasm, cpu; with and without the bias sum) and the gradient that uses them. Idempotent. */
export function registerReluGrad(): void {
  if (registered) return;
  registerArrayKernel({
    kernelName: reluGradKernelName,
    inputs: ['dy', 'x'],
    outputShapes: ([, x]) => [x],
    compute: computeReluGrad,
  });
  registerArrayKernel({
    kernelName: reluGradBiasKernelName,
    inputs: ['dy', 'y'],
    outputShapes: ([dy]) => [dy, [dy[dy.length - 1]]],
    compute: computeReluGradBias,
  });
  tf.registerGradient(reluGradConfig);
  registered = true;
}
