import { type BackendPreference, initBackend, tf } from '@bmse/backend';
import { expect } from 'vitest';

export async function setup(): Promise<void> {
  // BMSE_BACKEND=tensorflow runs the suite on tfjs-node (scripts/backends/tfjs-node-local.sh)
  await initBackend((process.env.BMSE_BACKEND as BackendPreference | undefined) ?? 'wasm');
}

export interface LossAndGrads {
  loss: number;
  gradPred: number[];
  gradTarget: number[];
  gradSigma: number;
}

/** Loss and gradients w.r.t. pred, target and σ (the loss gets s = σ²), as plain numbers; disposes everything. */
export function lossAndGrads(
  f: (pred: tf.Tensor, target: tf.Tensor, s: tf.Tensor) => tf.Scalar,
  pred: number[][],
  target: number[][],
  sigma: number,
): LossAndGrads {
  const p = tf.tensor2d(pred);
  const t = tf.tensor2d(target);
  const sg = tf.scalar(sigma);
  const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, tf.square(c)))([
    p,
    t,
    sg,
  ]);
  const out = {
    loss: value.dataSync()[0],
    gradPred: Array.from(grads[0].dataSync()),
    gradTarget: Array.from(grads[1].dataSync()),
    gradSigma: grads[2].dataSync()[0],
  };
  tf.dispose([p, t, sg, value, ...grads]);
  return out;
}

/** |a − b| ≤ atol + rtol·|b| elementwise. */
export function expectClose(
  a: number | ArrayLike<number>,
  b: number | ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  const av = typeof a === 'number' ? [a] : Array.from(a);
  const bv = typeof b === 'number' ? [b] : Array.from(b);
  expect(av.length).toBe(bv.length);
  for (let i = 0; i < av.length; i++) {
    const tol = atol + rtol * Math.abs(bv[i]);
    if (!(Math.abs(av[i] - bv[i]) <= tol)) {
      throw new Error(`element ${i}: ${av[i]} vs expected ${bv[i]} (|diff| ${Math.abs(av[i] - bv[i])} > ${tol})`);
    }
  }
}

/** Asserts that fn leaves no tensor behind. */
export function expectNoLeak(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors).toBe(before);
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function uniform(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out.push((s >>> 0) / 2 ** 32);
  }
  return out;
}

export const col = (a: number[]): number[][] => a.map((v) => [v]);
