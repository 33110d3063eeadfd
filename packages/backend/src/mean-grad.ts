/**
 * Mean's gradient as (dy / n) · onesLike(x), instead of tfjs-core's div(mul(dy, ones(x.shape)), n):
 * that builds a JavaScript array of ones the size of x every backward pass (global average pooling:
 * 4 MB per step for the 3-conv net, 3 MB for ResNet-50 b8), uploads it, multiplies by it and then
 * divides the whole product. Each element is dy / n either way, so the values are identical.
 */
import { tf } from './tf.js';

export const meanGradConfig: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'], // for its shape (tfjs saves it too; the forward pass's input, alive anyway)
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [x] = saved;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const reduceSize = axes.reduce((n, i) => n * x.shape[i], 1);
    return {
      // onesLike fills on the backend (tfjs-wasm's Tile, broadcastTo's kernel, took 110 ms for 1M floats)
      x: () => tf.mul(tf.div(tf.reshape(dy as tf.Tensor, keptShape), reduceSize), tf.onesLike(x)),
    };
  },
};

let registered = false;

/** Registers the gradient (all backends). Idempotent. */
export function registerMeanGrad(): void {
  if (registered) return;
  tf.registerGradient(meanGradConfig);
  registered = true;
}
