/** FDS (spec §1.7) on hand-made feature sets: kernels, statistics, smoothing, calibration, pooling, state. */
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { FDS, fdsKernelWindow } from '../src/index.js';
import { setupWasm } from './helpers.js';

beforeAll(setupWasm);

const close = (a: ArrayLike<number>, b: number[], digits = 5) => {
  for (const [i, v] of b.entries()) expect(a[i]).toBeCloseTo(v, digits);
};

describe('FDS kernel window (sum-normalised)', () => {
  it('matches the official float32 values', () => {
    close(fdsKernelWindow('gaussian', 5, 1), [0.058423, 0.242105, 0.398944, 0.242105, 0.058423]);
    close(fdsKernelWindow('gaussian', 5, 2), [0.186251, 0.205248, 0.217003, 0.205248, 0.186251]);
    close(fdsKernelWindow('triang', 5, 2), [1 / 9, 2 / 9, 1 / 3, 2 / 9, 1 / 9]);
    const lap = fdsKernelWindow('laplace', 5, 2);
    expect(lap[0] / lap[2]).toBeCloseTo(Math.exp(-1), 6);
    expect(() => fdsKernelWindow('gaussian', 4, 1)).toThrow(/odd/);
  });
});

/** 5 bins, 2-d features, triang ks 3 → window [0.25, 0.5, 0.25]. */
function handMade(extra: Partial<ConstructorParameters<typeof FDS>[0]> = {}) {
  const fds = new FDS({ featureDim: 2, bucketNum: 5, kernel: 'triang', ks: 3, ...extra });
  // bin 1: mean [2,4], unbiased var [2,8]; bin 2: one sample (var 0); bin 3: mean [2,0], var [4,0]
  const feats = tf.tensor2d([1, 2, 3, 6, 5, 5, 0, 0, 2, 0, 4, 0], [6, 2]);
  fds.updateRunningStats(feats, [1, 1, 2, 3, 3, 3], 0);
  feats.dispose();
  return fds;
}

describe('FDS statistics', () => {
  it('per-bin mean and unbiased variance; epoch == startUpdate overwrites', () => {
    const fds = handMade();
    close(fds.buffer('running_mean'), [0, 0, 2, 4, 5, 5, 2, 0, 0, 0]);
    close(fds.buffer('running_var'), [1, 1, 2, 8, 0, 0, 4, 0, 1, 1]);
    close(fds.buffer('num_samples_tracked'), [0, 2, 1, 3, 0]);
  });

  it('last-epoch copy and bin-axis smoothing with torch reflect padding', () => {
    const fds = handMade();
    fds.updateLastEpochStats(2); // not epoch + 1: ignored
    expect(fds.epoch).toBe(0);
    fds.updateLastEpochStats(1);
    expect(fds.epoch).toBe(1);
    const m = fds.buffer('smoothed_mean_last_epoch');
    close(m.slice(0, 4), [1, 2, 2.25, 3.25]); // bin 0 mirrors bin 1 on both sides
    close(fds.buffer('smoothed_var_last_epoch').slice(2, 4), [1.25, 4.25]);
  });

  it('calibrates (z − μ)·sqrt(clamp(ṽ/v)) + μ̃; zero-variance bins/dims untouched; before startSmooth identity', () => {
    const fds = handMade();
    fds.updateLastEpochStats(1);
    const z = tf.tensor2d([1, 2, 9, 9, 4, 7, 3, 3], [4, 2]);
    const labels = [1, 2, 3, 7];
    expect(fds.smooth(z, labels, 0)).toBe(z);
    const out = fds.smooth(z, labels, 1).dataSync();
    close(out, [
      (1 - 2) * Math.sqrt(0.625) + 2.25,
      (2 - 4) * Math.sqrt(4.25 / 8) + 3.25,
      9, // bin 2: Σv = 0 → unchanged
      9,
      (4 - 2) * 0.75 + 2.25, // bin 3 dim 0: ṽ = 2.25, v = 4
      7, // bin 3 dim 1: v = 0 → untouched
      3, // label 7 > bucketNum − 1 and 4 absent → skipped
      3,
    ]);
    z.dispose();
  });

  it('clamps the variance ratio', () => {
    const fds = handMade({ clip: [0.6, 10] });
    fds.updateLastEpochStats(1);
    const z = tf.tensor2d([1, 2], [1, 2]);
    close(fds.smooth(z, [1], 1).dataSync(), [(1 - 2) * Math.sqrt(0.625) + 2.25, (2 - 4) * Math.sqrt(0.6) + 3.25]);
    z.dispose();
  });

  it('momentum update after startUpdate; the last-epoch copy is separate unless aliasLastEpoch', () => {
    for (const alias of [false, true]) {
      const fds = handMade({ aliasLastEpoch: alias });
      fds.updateLastEpochStats(1);
      fds.updateRunningStats(new Float32Array([3, 4, 5, 6]), [1, 1], 1);
      close(fds.buffer('running_mean').slice(2, 4), [0.1 * 4 + 0.9 * 2, 0.1 * 5 + 0.9 * 4]);
      close(fds.buffer('running_var').slice(2, 4), [0.1 * 2 + 0.9 * 2, 0.1 * 2 + 0.9 * 8]);
      close(fds.buffer('running_mean_last_epoch').slice(2, 4), [2, 4]);
      const z = tf.tensor2d([1, 2], [1, 2]);
      const m1 = alias ? 2.2 : 2;
      const v1 = alias ? 2 : 2;
      expect(fds.smooth(z, [1], 1).dataSync()[0]).toBeCloseTo((1 - m1) * Math.sqrt(1.25 / v1) + 2.25, 5);
      z.dispose();
    }
  });

  it('age binning pools ≤ bucketStart and ≥ bucketNum−1 only when those labels occur; depth binning clamps', () => {
    const age = new FDS({ featureDim: 1, bucketNum: 5, bucketStart: 1 });
    expect(Array.from(age.slotsOf([0, 1, 4, 7]))).toEqual([0, 0, 3, 3]);
    expect(Array.from(age.slotsOf([0, 2, 7]))).toEqual([-1, 1, -1]);
    const depth = new FDS({ featureDim: 1, binning: 'depth' });
    expect(depth.options.bucketStart).toBe(7);
    expect(depth.options.clip).toEqual([0.2, 5]);
    expect(Array.from(depth.slotsOf([0.55, 0.7, 1.25, 12.3]))).toEqual([0, 0, 5, 92]);
  });

  it('streaming accumulation equals one-shot statistics; state round trip', () => {
    const a = handMade();
    const b = new FDS({ featureDim: 2, bucketNum: 5, kernel: 'triang', ks: 3 });
    b.beginEpoch();
    b.accumulate(new Float32Array([1, 2, 5, 5, 0, 0]), [1, 2, 3]);
    b.accumulate(new Float32Array([3, 6, 2, 0, 4, 0]), [1, 3, 3]);
    b.commitRunningStats(0);
    close(b.buffer('running_var'), Array.from(a.buffer('running_var')));
    const c = new FDS({ featureDim: 2, bucketNum: 5, kernel: 'triang', ks: 3 });
    a.updateLastEpochStats(1);
    c.loadState(a.state());
    expect(c.epoch).toBe(1);
    expect(Array.from(c.buffer('smoothed_mean_last_epoch'))).toEqual(Array.from(a.buffer('smoothed_mean_last_epoch')));
    expect(() => new FDS({ featureDim: 3 }).loadState(a.state())).toThrow(/featureDim 2/);
  });
});
