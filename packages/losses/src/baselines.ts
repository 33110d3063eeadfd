/**
 * DIR baseline losses (spec §1.7; DIR repo imdb-wiki-dir/loss.py): elementwise, multiplied
 * by the per-sample weight if given, then averaged over all elements.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, fail } from './errors.js';
import { sqDiff } from './inputs.js';

/** Per-sample weights: a tensor or number array of B values ([B], [B, 1]) or of pred's full shape. */
export type SampleWeights = tf.Tensor | number[] | Float32Array;

export interface FocalOptions {
  weights?: SampleWeights;
  /** 'sigmoid' (default): (2·sigmoid(β|e|) − 1)^γ; 'tanh': tanh(β|e|)^γ */
  activate?: 'sigmoid' | 'tanh';
  /** β, default 0.2 */
  beta?: number;
  /** γ, default 1 */
  gamma?: number;
}

export interface HuberOptions {
  weights?: SampleWeights;
  /** β, default 1 */
  beta?: number;
}

function checkPair(fn: string, pred: unknown, target: unknown): [tf.Tensor, tf.Tensor] {
  if (!(pred instanceof tf.Tensor) || !(target instanceof tf.Tensor)) fail(fn, 'pred and target must be tf.Tensors');
  if (!tf.util.arraysEqual(pred.shape, target.shape)) {
    fail(
      fn,
      `pred and target must have the same shape, got [${pred.shape.join(', ')}] and [${target.shape.join(', ')}]`,
    );
  }
  return [pred, target];
}

/** Weighted mean of an elementwise loss; weights broadcast per sample (expand_as in the official code). */
function weightedMean(fn: string, loss: tf.Tensor, weights: SampleWeights | undefined): tf.Scalar {
  if (weights === undefined) return tf.mean(loss);
  const w = weights instanceof tf.Tensor ? weights : tf.tensor(Array.from(weights));
  const b = loss.shape[0];
  let wb: tf.Tensor;
  if (tf.util.arraysEqual(w.shape, loss.shape)) wb = w;
  else if (w.size === b && loss.rank >= 1) wb = tf.reshape(w, [b, ...new Array(Math.max(loss.rank - 1, 0)).fill(1)]);
  else {
    return fail(
      fn,
      `weights must hold one value per sample (${b}) or match pred's shape [${loss.shape.join(', ')}], got ${describe(weights)}`,
    );
  }
  return tf.mean(tf.mul(loss, wb));
}

function checkNumber(fn: string, name: string, v: number, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    fail(fn, `${name} must be a finite number ≥ ${min}, got ${v}`);
  return v;
}

/** mean(w · (ŷ − y)²) */
export function weightedMse(pred: tf.Tensor, target: tf.Tensor, weights?: SampleWeights): tf.Scalar {
  return tf.tidy(() => {
    const [p, y] = checkPair('weightedMse', pred, target);
    return weightedMean('weightedMse', sqDiff(p, y), weights);
  });
}

/** mean(w · |ŷ − y|) */
export function weightedL1(pred: tf.Tensor, target: tf.Tensor, weights?: SampleWeights): tf.Scalar {
  return tf.tidy(() => {
    const [p, y] = checkPair('weightedL1', pred, target);
    return weightedMean('weightedL1', tf.abs(tf.sub(p, y)), weights);
  });
}

function focalFactor(fn: string, err: tf.Tensor, opts: FocalOptions): tf.Tensor {
  const beta = checkNumber(fn, 'beta', opts.beta ?? 0.2, 0);
  const gamma = checkNumber(fn, 'gamma', opts.gamma ?? 1, 0);
  const activate = opts.activate ?? 'sigmoid';
  const x = tf.mul(beta, tf.abs(err));
  let f: tf.Tensor;
  if (activate === 'tanh') f = tf.tanh(x);
  else if (activate === 'sigmoid') f = tf.sub(tf.mul(2, tf.sigmoid(x)), 1);
  else return fail(fn, `activate must be 'sigmoid' or 'tanh', got '${String(activate)}'`);
  return gamma === 1 ? f : tf.pow(f, gamma);
}

/** Focal-R on L1: mean(w · |e| · act(β|e|)^γ) (spec §1.7) */
export function focalL1(pred: tf.Tensor, target: tf.Tensor, opts: FocalOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const [p, y] = checkPair('focalL1', pred, target);
    const e = tf.sub(p, y);
    return weightedMean('focalL1', tf.mul(tf.abs(e), focalFactor('focalL1', e, opts)), opts.weights);
  });
}

/** Focal-R on MSE: mean(w · e² · act(β|e|)^γ) (spec §1.7) */
export function focalMse(pred: tf.Tensor, target: tf.Tensor, opts: FocalOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const [p, y] = checkPair('focalMse', pred, target);
    const e = tf.sub(p, y);
    return weightedMean('focalMse', tf.mul(tf.square(e), focalFactor('focalMse', e, opts)), opts.weights);
  });
}

/** Huber: 0.5e²/β if |e| < β else |e| − 0.5β, weighted mean (spec §1.7, β = 1 by default) */
export function huberLoss(pred: tf.Tensor, target: tf.Tensor, opts: HuberOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const [p, y] = checkPair('huberLoss', pred, target);
    const beta = checkNumber('huberLoss', 'beta', opts.beta ?? 1, Number.MIN_VALUE);
    const a = tf.abs(tf.sub(p, y));
    // = 0.5·m²/β + (|e| − m) with m = min(|e|, β): the official where(|e| < β, …) without a Less on the tape
    const m = tf.minimum(a, beta);
    const loss = tf.add(tf.div(tf.mul(0.5, tf.square(m)), beta), tf.sub(a, m));
    return weightedMean('huberLoss', loss, opts.weights);
  });
}
