/** Wraps a fused CPU kernel as a differentiable tfjs op of (pred, target, s). */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelResult } from './mixture-kernel.js';

export function fusedLossOp(
  pred: tf.Tensor2D,
  target: tf.Tensor2D,
  s: tf.Scalar,
  kernel: (pred: Float32Array, target: Float32Array, s: number) => KernelResult,
): tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [p, t, sv] = args as tf.Tensor[];
    const res = kernel(p.dataSync() as Float32Array, t.dataSync() as Float32Array, sv.dataSync()[0]);
    return {
      value: tf.scalar(res.loss),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync()[0];
        if (g !== 1) {
          for (let i = 0; i < res.gradPred.length; i++) res.gradPred[i] *= g;
          for (let i = 0; i < res.gradTarget.length; i++) res.gradTarget[i] *= g;
        }
        return [tf.tensor(res.gradPred, p.shape), tf.tensor(res.gradTarget, t.shape), tf.scalar(res.gradNoiseVar * g)];
      },
    };
  });
  return op(pred, target, s) as tf.Scalar;
}
