/** Input checks and conversions shared by the losses: shapes, the noise variance, weights. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, fail } from './errors.js';

/** σ² as a number or a scalar tensor (spec §1.5: s = σ², recomputed every forward). */
export type NoiseVar = number | tf.Tensor;

/** Which implementation computes a loss: fused CPU kernel, tfjs ops, or pick by backend. */
export type KernelChoice = 'auto' | 'fused' | 'tensor';

export interface KernelOptions {
  /** 'auto' (default): the fused float64 kernel on the wasm and cpu backends, tfjs ops elsewhere */
  kernel?: KernelChoice;
}

/** True when the fused CPU kernel should run (it reads tensors back synchronously). */
export function useFused(fn: string, choice: KernelChoice | undefined): boolean {
  const c = choice ?? 'auto';
  if (c === 'fused') return true;
  if (c === 'tensor') return false;
  if (c !== 'auto') fail(fn, `unknown kernel '${String(c)}'; allowed: 'auto', 'fused', 'tensor'`);
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
}

function assertTensor(fn: string, name: string, x: unknown): asserts x is tf.Tensor {
  if (!(x instanceof tf.Tensor)) fail(fn, `${name} must be a tf.Tensor, got ${describe(x)}`);
}

/**
 * 1-D losses: pred and target of the same shape, [B], [B, 1] or dense [..., 1], flattened to
 * [N, 1] (every element a sample, as the official NYUD2 code flattens pixels).
 * BalancedMSE issue #18: a [B] prediction must not broadcast against [B, 1] targets.
 */
export function asColumns(fn: string, pred: unknown, target: unknown): [tf.Tensor2D, tf.Tensor2D] {
  assertTensor(fn, 'pred', pred);
  assertTensor(fn, 'target', target);
  if (pred.rank === 0 || (pred.rank > 1 && pred.shape[pred.rank - 1] !== 1)) {
    fail(
      fn,
      `pred must be [B], [B, 1] or [..., 1] for the 1-D loss, got [${pred.shape.join(', ')}]` +
        (pred.rank === 2 ? ' (use the MD version for [B, d] targets)' : ''),
    );
  }
  if (pred.size !== target.size || (target.rank > 1 && target.shape[target.rank - 1] !== 1)) {
    fail(fn, `target must have pred's shape [${pred.shape.join(', ')}], got [${target.shape.join(', ')}]`);
  }
  if (pred.size === 0) fail(fn, 'pred is empty');
  return [tf.reshape(pred, [pred.size, 1]), tf.reshape(target, [target.size, 1])];
}

/** Multi-dimensional losses: pred and target both [B, d]. */
export function asMatrices(fn: string, pred: unknown, target: unknown): [tf.Tensor2D, tf.Tensor2D] {
  assertTensor(fn, 'pred', pred);
  assertTensor(fn, 'target', target);
  if (pred.rank === 1) return asColumns(fn, pred, target);
  if (pred.rank !== 2 || target.rank !== 2 || pred.shape[0] !== target.shape[0] || pred.shape[1] !== target.shape[1]) {
    fail(fn, `pred and target must both be [B, d], got [${pred.shape.join(', ')}] and [${target.shape.join(', ')}]`);
  }
  if (pred.size === 0) fail(fn, 'pred is empty');
  return [pred as tf.Tensor2D, target as tf.Tensor2D];
}

/** The noise variance as a scalar tensor; numbers must be finite and > 0. */
export function noiseVarTensor(fn: string, noiseVar: unknown): tf.Scalar {
  if (typeof noiseVar === 'number') {
    if (!Number.isFinite(noiseVar) || noiseVar <= 0)
      fail(fn, `noiseVar (σ²) must be a finite number > 0, got ${noiseVar}`);
    return tf.scalar(noiseVar);
  }
  if (noiseVar instanceof tf.Tensor) {
    if (noiseVar.size !== 1) fail(fn, `noiseVar (σ²) must be a number or a scalar tensor, got ${describe(noiseVar)}`);
    return noiseVar.rank === 0 ? (noiseVar as tf.Scalar) : tf.reshape(noiseVar, []);
  }
  return fail(fn, `noiseVar (σ²) must be a number or a scalar tensor, got ${describe(noiseVar)}`);
}

/** x with a zero gradient: the "detached" copy of the official code (tfjs has no stop_gradient). */
export function detach<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: (args[0] as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return f(x) as T;
}

/** A number array check: finite entries, non-empty. */
export function finiteArray(fn: string, name: string, a: unknown, min = 1): number[] {
  if (!Array.isArray(a) && !ArrayBuffer.isView(a)) fail(fn, `${name} must be an array of numbers, got ${describe(a)}`);
  const arr = Array.from(a as ArrayLike<number>);
  if (arr.length < min) fail(fn, `${name} must have at least ${min} entries, got ${arr.length}`);
  for (let i = 0; i < arr.length; i++) {
    if (typeof arr[i] !== 'number' || !Number.isFinite(arr[i])) {
      fail(fn, `${name}[${i}] must be a finite number, got ${String(arr[i])}`);
    }
  }
  return arr;
}

/** (a − b)² with broadcasting (tf.squaredDifference's gradient does not reduce broadcast dimensions in tfjs 4.22). */
export function sqDiff(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.square(tf.sub(a, b));
}
