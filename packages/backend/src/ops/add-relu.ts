/**
 * relu(a + b) for same-shape float32 tensors as one fused operation: the residual sum and ReLU that end
 * every ResNet block (and the depth net's up-projections) in one pass over the activations, with the
 * gradient dy·step(y) going to both inputs in one pass (tfjs: Add, Relu, then the ReLU gradient).
 * Kernels for wasm (native when built) and cpu; other backends compose tf.relu(tf.add(a, b)), with the
 * same numbers.
 */
import { hasKernel, registerArrayKernel } from '../array-kernel.js';
import { reluBackward } from '../relu-grad.js';
import { tf } from '../tf.js';
import { wasmKernelSettings } from '../wasm/settings.js';

export const addReluKernelName = 'BmseAddRelu';

function compute([a, b]: Float32Array[], [out]: Float32Array[]): void {
  const native = wasmKernelSettings.native;
  if (native) native.addRelu(a, b, out);
  else
    for (let i = 0; i < a.length; i++) {
      const v = Math.fround(a[i] + b[i]);
      out[i] = Math.max(v, 0);
    }
}

/** Registers the kernel for wasm and cpu (idempotent). */
export function registerAddReluKernels(): void {
  registerArrayKernel({ kernelName: addReluKernelName, inputs: ['a', 'b'], outputShapes: ([a]) => [a], compute });
}

const fused = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b] = args as tf.Tensor[];
  const save = args[2] as tf.GradSaveFunc;
  const [y] = tf.engine().runKernel(addReluKernelName, { a, b }) as tf.Tensor[];
  save([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], [sy]: tf.Tensor[]) => {
      const g = reluBackward(dy as tf.Tensor, sy);
      return [g, tf.clone(g)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** max(a + b, 0) for tensors of the same shape; see the file comment. */
export function addRelu(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!tf.util.arraysEqual(a.shape, b.shape))
    throw new Error(`addRelu: a and b must have the same shape, got [${a.shape}] and [${b.shape}]`);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !hasKernel(addReluKernelName))
    return tf.tidy(() => tf.relu(tf.add(a, b)));
  return fused(a, b);
}
