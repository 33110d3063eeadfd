/**
 * Closed forms, finite differences, invariances, input errors, stability, fast-check properties
 * and tensor leaks of the Balanced MSE losses.
 */
import { tf } from '@bmse/backend';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bmcLoss,
  bmcLossBounded,
  bmcLossMD,
  bniLoss,
  gaiLoss,
  gaiLossMD,
  type KernelChoice,
  LossInputError,
  sampleNegativeIndices,
} from '../src/index.js';
import { bmcKernel } from '../src/kernels/bmc-kernel.js';
import { gridRow, planGrid } from '../src/kernels/grid-sums.js';
import { mixtureKernel } from '../src/kernels/mixture-kernel.js';
import { col, expectClose, expectNoLeak, lossAndGrads, setup, uniform } from './helpers.js';

beforeAll(setup);

const kernels: KernelChoice[] = ['fused', 'tensor'];
/** plain MSE (σ enters with weight 0 so that valueAndGrads has a path to it) */
const mseF = (a: tf.Tensor, t: tf.Tensor, s: tf.Tensor) =>
  tf.add(tf.mean(tf.square(tf.sub(a, t))), tf.mul(s, 0)) as tf.Scalar;
const ages = uniform(24, 11).map((u) => Math.round(u * 90));
const preds = uniform(24, 12).map((u, i) => ages[i] + (u - 0.5) * 30);

/** Central differences of a float64 function. */
function numericGrad(f: (x: number[]) => number, x: number[], eps: number): number[] {
  return x.map((_, i) => {
    const a = x.slice();
    const b = x.slice();
    a[i] += eps;
    b[i] -= eps;
    return (f(a) - f(b)) / (2 * eps);
  });
}

describe('gradients against finite differences (float64 kernels)', () => {
  const y = ages.slice(0, 10);
  const p = preds.slice(0, 10);
  const gmm = {
    means: [20, 45, 70],
    variances: [40, 90, 150],
    logWeights: [0.5, 0.3, 0.2].map(Math.log),
    logNormTerms: true,
  };
  const buckets = { means: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90], variances: new Array(10).fill(0) };
  const bw = [1, 3, 6, 9, 7, 5, 3, 2, 1, 1].map((w) => Math.log(w / 38));
  const bni = { ...buckets, logWeights: bw, logNormTerms: false };
  const bniIrregular = {
    means: [0, 7, 20, 31, 40, 52, 60, 75, 81, 90],
    variances: new Array(10).fill(0),
    logWeights: bw,
    logNormTerms: false,
  };
  const neg = { values: [y[3], y[7], y[0]], sourceIndex: [3, 7, 0] };
  const kernelsF64 = {
    bmc: (pp: number[], yy: number[], s: number) => bmcKernel(pp, yy, s, null),
    bmcBounded: (pp: number[], yy: number[], s: number) =>
      bmcKernel(pp, yy, s, { values: neg.sourceIndex.map((i) => yy[i]), sourceIndex: neg.sourceIndex }),
    gai: (pp: number[], yy: number[], s: number) => mixtureKernel(pp, yy, s, gmm),
    bniGrid: (pp: number[], yy: number[], s: number) => mixtureKernel(pp, yy, s, bni),
    bniIrregular: (pp: number[], yy: number[], s: number) => mixtureKernel(pp, yy, s, bniIrregular),
  };
  for (const [name, k] of Object.entries(kernelsF64)) {
    for (const sigma of [0.5, 4, 12]) {
      it(`${name}, σ = ${sigma}: ∂/∂pred, ∂/∂target, ∂/∂s`, () => {
        const s = sigma * sigma;
        const r = k(p, y, s);
        // the ×2s restore is detached: differentiate with the scale frozen at s
        const frozen = (pp: number[], yy: number[], ss: number) => (k(pp, yy, ss).loss * s) / ss;
        expectClose(
          r.gradPred,
          numericGrad((x) => frozen(x, y, s), p, 1e-5),
          1e-5,
          1e-7,
        );
        expectClose(
          r.gradTarget,
          numericGrad((x) => frozen(p, x, s), y, 1e-5),
          1e-5,
          1e-7,
        );
        expectClose(r.gradNoiseVar, numericGrad((x) => frozen(p, y, x[0]), [s], 1e-5 * s)[0], 1e-5, 1e-7);
      });
    }
  }

  it('the tfjs σ gradient (through s = σ²) matches finite differences of the tfjs loss', () => {
    for (const kernel of kernels) {
      const sigma = 6;
      const g = lossAndGrads(
        (a, t, s) => gaiLoss(a, t, { means: [30, 60], variances: [50, 200], weights: [0.7, 0.3] }, s, { kernel }),
        col(preds),
        col(ages),
        sigma,
      );
      const f = (sg: number) =>
        tf.tidy(() => {
          const l = gaiLoss(
            tf.tensor2d(col(preds)),
            tf.tensor2d(col(ages)),
            { means: [30, 60], variances: [50, 200], weights: [0.7, 0.3] },
            sg * sg,
            { kernel },
          );
          return (l.dataSync()[0] * (sigma * sigma)) / (sg * sg);
        });
      expectClose(g.gradSigma, (f(sigma + 0.01) - f(sigma - 0.01)) / 0.02, 2e-3, 1e-3);
    }
  });
});

describe('even-grid recurrence (fused kernels)', () => {
  it('matches brute-force float64 sums on exact and float32-rounded grids, at σ from 0.05 to 20', () => {
    const acc = new Float64Array(4);
    for (const rounded of [false, true]) {
      const centres = Array.from({ length: 100 }, (_, i) => (rounded ? Math.fround(i * 0.1 + 0.05) : i * 0.1 + 0.05));
      const logW = centres.map((_, i) => (i % 13 === 5 ? Number.NEGATIVE_INFINITY : Math.log(1 + ((i * 7) % 11))));
      for (const sigma of [0.05, 0.3, 1, 20]) {
        const h = 1 / (2 * sigma * sigma);
        const plan = planGrid(centres, logW, h);
        expect(plan).not.toBeNull();
        expect(planGrid(centres, logW, 1e4)).toBeNull(); // hΔ²(2K+1) too large: callers use direct exps
        for (const p of [-3, 0.05, 0.731, 4.2, 9.99, 12.5]) {
          if (!gridRow(plan!, p, acc, null)) continue;
          let m = Number.NEGATIVE_INFINITY;
          for (let b = 0; b < 100; b++) m = Math.max(m, logW[b] - h * (p - centres[b]) ** 2);
          let z = 0;
          let s1 = 0;
          for (let b = 0; b < 100; b++) {
            const t = Math.exp(logW[b] - h * (p - centres[b]) ** 2 - m);
            z += t;
            s1 += t * (p - centres[b]);
          }
          expectClose(acc[3] + Math.log(acc[0]), m + Math.log(z), 1e-12, 1e-12);
          expectClose(acc[1] / acc[0], s1 / z, 1e-10, 1e-12);
        }
      }
    }
  });

  it('BMC on float32 8-bit depths (an off-grid label grid) agrees with the tfjs-ops path', () => {
    const depths = col(uniform(200, 21).map((u) => Math.fround((Math.round(u * 200 + 20) * 10) / 255)));
    const pd = col(depths.map(([d], i) => d + (uniform(200, 22)[i] - 0.5)));
    for (const sigma of [0.5, 2]) {
      const a = lossAndGrads((x, t, s) => bmcLoss(x, t, s, { kernel: 'fused' }), pd, depths, sigma);
      const b = lossAndGrads((x, t, s) => bmcLoss(x, t, s, { kernel: 'tensor' }), pd, depths, sigma);
      expectClose(a.loss, b.loss, 1e-5);
      expectClose(a.gradPred, b.gradPred, 1e-3, 1e-6);
      expectClose(a.gradTarget, b.gradTarget, 1e-3, 1e-6);
      const negativeIndices = Array.from({ length: 40 }, (_, i) => i * 5);
      const c = lossAndGrads(
        (x, t, s) => bmcLossBounded(x, t, s, { kernel: 'fused', negativeIndices }),
        pd,
        depths,
        sigma,
      );
      const d = lossAndGrads(
        (x, t, s) => bmcLossBounded(x, t, s, { kernel: 'tensor', negativeIndices }),
        pd,
        depths,
        sigma,
      );
      expectClose(c.loss, d.loss, 1e-5);
      expectClose(c.gradPred, d.gradPred, 1e-3, 1e-6);
    }
  });
});

describe('closed forms and invariances', () => {
  for (const kernel of kernels) {
    it(`${kernel}: a uniform prior makes the balancing term constant: gradients equal MSE's`, () => {
      const p = col(preds);
      const y = col(ages);
      const mse = lossAndGrads(mseF, p, y, 1);
      // BNI with dense uniform buckets far beyond the data; GAI with one very wide component
      const centers = Array.from({ length: 2001 }, (_, i) => -500 + i * 0.5);
      const bni = lossAndGrads(
        (a, t, s) => bniLoss(a, t, centers, new Array(2001).fill(1 / 2001), s, { kernel }),
        p,
        y,
        3,
      );
      expectClose(bni.gradPred, mse.gradPred, 1e-4, 1e-5);
      const gai = lossAndGrads(
        (a, t, s) => gaiLoss(a, t, { means: [40], variances: [1e9], weights: [1] }, s, { kernel }),
        p,
        y,
        3,
      );
      expectClose(gai.gradPred, mse.gradPred, 1e-4, 1e-5);
    });

    it(`${kernel}: σ → 0 makes the gradients align with MSE's`, () => {
      const p = col(preds);
      const y = col(ages);
      const mse = lossAndGrads(mseF, p, y, 1).gradPred;
      const cos = (a: number[], b: number[]) =>
        a.reduce((s, v, i) => s + v * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
      const gmm = { means: [20, 60], variances: [100, 100], weights: [0.8, 0.2] };
      expect(
        cos(lossAndGrads((a, t, s) => gaiLoss(a, t, gmm, s, { kernel }), p, y, 0.05).gradPred, mse),
      ).toBeGreaterThan(0.9999);
      // BNI: only once the bins are fine relative to σ (here 0.01 vs σ = 0.05) and cover the predictions
      const centers = Array.from({ length: 20001 }, (_, i) => i * 0.01 - 50);
      const w = centers.map((c) => 1 + Math.abs(c) / 10);
      expect(
        cos(lossAndGrads((a, t, s) => bniLoss(a, t, centers, w, s, { kernel }), p, y, 0.05).gradPred, mse),
      ).toBeGreaterThan(0.9999);
      // BMC instead tends to mean_i[(ŷ_i − y_i)² − min_j (ŷ_i − y_j)²], 0 when every prediction is nearest its own label
      const distinct = col(ages.map((a, i) => a + i * 0.01));
      const nearP = col(distinct.map(([v], i) => v + (uniform(24, 5)[i] - 0.5) * 0.004));
      const bmc = lossAndGrads((a, t, s) => bmcLoss(a, t, s, { kernel }), nearP, distinct, 0.01);
      expect(Math.abs(bmc.loss)).toBeLessThan(1e-6);
      expect(Math.max(...bmc.gradPred.map(Math.abs))).toBeLessThan(1e-4);
    });

    it(`${kernel}: BMC is invariant to adding one constant to pred and target`, () => {
      const a = lossAndGrads((x, t, s) => bmcLoss(x, t, s, { kernel }), col(preds), col(ages), 5);
      const b = lossAndGrads(
        (x, t, s) => bmcLoss(x, t, s, { kernel }),
        col(preds.map((v) => v + 37.5)),
        col(ages.map((v) => v + 37.5)),
        5,
      );
      expectClose(b.loss, a.loss, 1e-5);
      expectClose(b.gradPred, a.gradPred, 1e-3, 1e-5);
      expectClose(b.gradSigma, a.gradSigma, 1e-3, 1e-4);
    });

    it(`${kernel}: finite and correct-shaped at σ = 0.1 with ages 0–120 and at σ = 10 with depths in metres`, () => {
      const ageY = col(uniform(64, 3).map((u) => Math.round(u * 120)));
      const ageP = col(uniform(64, 4).map((u) => u * 130 - 5));
      const depthY = col(uniform(64, 5).map((u) => 0.7 + u * 9.3));
      const depthP = col(uniform(64, 6).map((u) => u * 12 - 1));
      const gmm = { means: [20, 50, 90], variances: [30, 60, 100], weights: [0.5, 0.3, 0.2] };
      const gmmD = { means: [2, 4, 7], variances: [0.3, 1, 2], weights: [0.5, 0.3, 0.2] };
      const buckets = Array.from({ length: 121 }, (_, i) => i);
      const centersD = Array.from({ length: 100 }, (_, i) => i * 0.1 + 0.05);
      const runs: Array<[string, () => ReturnType<typeof lossAndGrads>]> = [
        ['bmc age', () => lossAndGrads((a, t, s) => bmcLoss(a, t, s, { kernel }), ageP, ageY, 0.1)],
        ['gai age', () => lossAndGrads((a, t, s) => gaiLoss(a, t, gmm, s, { kernel }), ageP, ageY, 0.1)],
        [
          'bni age',
          () =>
            lossAndGrads(
              (a, t, s) =>
                bniLoss(
                  a,
                  t,
                  buckets,
                  buckets.map((b) => 1 + (b % 5)),
                  s,
                  { kernel },
                ),
              ageP,
              ageY,
              0.1,
            ),
        ],
        [
          'bounded age',
          () => lossAndGrads((a, t, s) => bmcLossBounded(a, t, s, { kernel, numNegatives: 16 }), ageP, ageY, 0.1),
        ],
        ['bmc depth', () => lossAndGrads((a, t, s) => bmcLoss(a, t, s, { kernel }), depthP, depthY, 10)],
        ['gai depth', () => lossAndGrads((a, t, s) => gaiLoss(a, t, gmmD, s, { kernel }), depthP, depthY, 10)],
        [
          'bni depth',
          () =>
            lossAndGrads(
              (a, t, s) =>
                bniLoss(
                  a,
                  t,
                  centersD,
                  centersD.map(() => 0.01),
                  s,
                  { kernel },
                ),
              depthP,
              depthY,
              10,
            ),
        ],
      ];
      for (const [name, run] of runs) {
        const r = run();
        const all = [r.loss, r.gradSigma, ...r.gradPred, ...r.gradTarget];
        expect(all.every(Number.isFinite), name).toBe(true);
        expect(r.gradPred, name).toHaveLength(64);
      }
    });
  }

  it('bounded BMC: deterministic for an rng, samples without replacement, differs from full BMC by the extra positive', () => {
    const idx = sampleNegativeIndices(50, 20, () => 0.3);
    expect(new Set(idx).size).toBe(20);
    expect(sampleNegativeIndices(5, 20, Math.random)).toHaveLength(5);
    const p = tf.tensor1d(preds);
    const y = tf.tensor1d(ages);
    const all = Array.from({ length: 24 }, (_, i) => i);
    // with every label as a negative, each row's logits are the full BMC row plus its positive once more
    const bounded = bmcLossBounded(p, y, 25, { negativeIndices: all }).dataSync()[0];
    const full = bmcLoss(p, y, 25).dataSync()[0];
    expect(bounded).toBeGreaterThan(full);
    expect(bounded).toBeLessThan(full + 2 * 25 * Math.log(2) + 1e-3);
    tf.dispose([p, y]);
  });
});

describe('input handling', () => {
  it('accepts [B] and [B, 1] alike and never broadcasts [B] against [B, 1] (BalancedMSE issue #18)', () => {
    for (const kernel of kernels) {
      const a = lossAndGrads(
        (x, t, s) => gaiLoss(tf.reshape(x, [-1]), t, { means: [40], variances: [300], weights: [1] }, s, { kernel }),
        col(preds),
        col(ages),
        5,
      );
      const b = lossAndGrads(
        (x, t, s) => gaiLoss(x, t, { means: [40], variances: [300], weights: [1] }, s, { kernel }),
        col(preds),
        col(ages),
        5,
      );
      expectClose(a.loss, b.loss, 1e-6);
      expectClose(a.gradPred, b.gradPred, 1e-5, 1e-7);
    }
  });

  it('throws clear errors', () => {
    const p = tf.tensor2d([[1]]);
    const y = tf.tensor2d([[2]]);
    expect(() => bmcLoss(p, y, 1)).toThrow(LossInputError);
    expect(() => bmcLoss(p, y, 1)).toThrow(/needs a batch of at least 2 samples .* got 1; use gaiLoss or bniLoss/);
    const p2 = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y2 = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(() => bmcLoss(p2, y2, 1)).toThrow(
      /pred must be \[B\], \[B, 1\] or \[\.\.\., 1\] for the 1-D loss, got \[2, 2\] \(use the MD version/,
    );
    expect(() => bmcLoss(tf.tensor1d([1, 2]), tf.tensor1d([1, 2, 3]), 1)).toThrow(
      /target must have pred's shape \[2\], got \[3\]/,
    );
    expect(() => bmcLoss(tf.tensor1d([1, 2]), tf.tensor1d([1, 2]), 0)).toThrow(
      /noiseVar \(σ²\) must be a finite number > 0, got 0/,
    );
    expect(() => bmcLoss(tf.tensor1d([1, 2]), tf.tensor1d([1, 2]), tf.tensor1d([1, 2]))).toThrow(
      /got a tensor of shape \[2\]/,
    );
    expect(() => bmcLossMD(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2]]), 1)).toThrow(/at least 2 samples/);
    expect(() => gaiLoss(p, y, { means: [1, 2], variances: [1], weights: [1, 1] }, 1)).toThrow(
      /gmm has 2 weights but 2 means and 1 variances/,
    );
    expect(() =>
      gaiLoss(
        p2,
        y2,
        {
          means: [[0, 0]],
          variances: [
            [
              [1, 0],
              [0, 1],
            ],
          ],
          weights: [1],
        },
        1,
      ),
    ).toThrow(/use gaiLossMD/);
    expect(() =>
      gaiLossMD(
        p2,
        y2,
        {
          means: [[0, 0]],
          variances: [
            [
              [1, 2],
              [2, 1],
            ],
          ],
          weights: [1],
        },
        1,
      ),
    ).toThrow(/not positive semi-definite/);
    expect(() => bniLoss(p, y, [1, 2], [1], 1)).toThrow(/bucketCenters has 2 entries but bucketWeights has 1/);
    expect(() => bniLoss(p, y, [1, 2], [0, 0], 1)).toThrow(/bucketWeights must be ≥ 0 with at least one > 0/);
    expect(() => bmcLossBounded(tf.tensor1d([1, 2]), tf.tensor1d([1, 2]), 1, { negativeIndices: [5] })).toThrow(
      /negative index 5 is outside \[0, 2\)/,
    );
    expect(() => bmcLoss(tf.tensor1d([1, 2]), tf.tensor1d([1, 2]), 1, { kernel: 'gpu' as KernelChoice })).toThrow(
      /unknown kernel 'gpu'/,
    );
    tf.dispose([p, y, p2, y2]);
  });
});

describe('fast-check properties', () => {
  it('any batch, any σ: finite loss, finite gradients shaped like pred, both kernels agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 24 }),
        fc.double({ min: 0.05, max: 30, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (b, sigma, seed) => {
          const y = col(uniform(b, seed).map((u) => Math.round(u * 100)));
          const p = col(uniform(b, seed + 1).map((u) => u * 120 - 10));
          const gmm = { means: [20, 60], variances: [50, 100], weights: [0.6, 0.4] };
          const centers = Array.from({ length: 50 }, (_, i) => i * 2);
          const fs: Array<(k: KernelChoice) => (a: tf.Tensor, t: tf.Tensor, s: tf.Tensor) => tf.Scalar> = [
            (k) => (a, t, s) => bmcLoss(a, t, s, { kernel: k }),
            (k) => (a, t, s) => gaiLoss(a, t, gmm, s, { kernel: k }),
            (k) => (a, t, s) =>
              bniLoss(
                a,
                t,
                centers,
                centers.map((c) => 1 + (c % 3)),
                s,
                { kernel: k },
              ),
          ];
          for (const f of fs) {
            const fused = lossAndGrads(f('fused'), p, y, sigma);
            const tensor = lossAndGrads(f('tensor'), p, y, sigma);
            expect([fused.loss, fused.gradSigma, ...fused.gradPred].every(Number.isFinite)).toBe(true);
            expect(fused.gradPred).toHaveLength(b);
            const scale = Math.max(1, Math.abs(fused.loss));
            expect(Math.abs(fused.loss - tensor.loss)).toBeLessThan(1e-4 * scale);
          }
        },
      ),
      { numRuns: 40, seed: 42 },
    );
  });

  it('multi-dimensional: any B ≥ 2 and d ≤ 5 gives finite values and [B, d] gradients', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        (b, d, sigma) => {
          const y = Array.from({ length: b }, (_, i) => uniform(d, i + 1).map((u) => u * 4 - 2));
          const p = Array.from({ length: b }, (_, i) => uniform(d, i + 99).map((u) => u * 4 - 2));
          const eye = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 0.5 : 0.1)));
          const gmm = {
            means: [new Array(d).fill(0), new Array(d).fill(1)],
            variances: [eye, eye],
            weights: [0.5, 0.5],
          };
          for (const r of [
            lossAndGrads(bmcLossMD, p, y, sigma),
            lossAndGrads((a, t, s) => gaiLossMD(a, t, gmm, s), p, y, sigma),
          ]) {
            expect([r.loss, r.gradSigma, ...r.gradPred, ...r.gradTarget].every(Number.isFinite)).toBe(true);
            expect(r.gradPred).toHaveLength(b * d);
          }
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });
});

describe('no tensor leaks', () => {
  it('forward and backward of every loss on both kernels leave tf.memory().numTensors unchanged', () => {
    const p = col(preds);
    const y = col(ages);
    const gmm = { means: [20, 60], variances: [50, 100], weights: [0.6, 0.4] };
    const md = {
      means: [
        [0, 0],
        [1, 1],
      ],
      variances: [
        [
          [1, 0],
          [0, 1],
        ],
        [
          [1, 0.2],
          [0.2, 1],
        ],
      ],
      weights: [0.5, 0.5],
    };
    const p2 = p.map(([v]) => [v / 10, v / 20]);
    const y2 = y.map(([v]) => [v / 10, v / 30]);
    for (const kernel of kernels) {
      expectNoLeak(() => lossAndGrads((a, t, s) => bmcLoss(a, t, s, { kernel }), p, y, 3));
      expectNoLeak(() => lossAndGrads((a, t, s) => bmcLossBounded(a, t, s, { kernel, numNegatives: 5 }), p, y, 3));
      expectNoLeak(() => lossAndGrads((a, t, s) => gaiLoss(a, t, gmm, s, { kernel }), p, y, 3));
      expectNoLeak(() =>
        lossAndGrads((a, t, s) => bniLoss(a, t, [10, 20, 30], [0.2, 0.5, 0.3], s, { kernel }), p, y, 3),
      );
      expectNoLeak(() => lossAndGrads((a, t, s) => bmcLossMD(a, t, s, { kernel }), p2, y2, 1));
    }
    expectNoLeak(() => lossAndGrads((a, t, s) => gaiLossMD(a, t, md, s), p2, y2, 1));
    const before = tf.memory().numTensors;
    const a = tf.tensor1d(preds);
    const b = tf.tensor1d(ages);
    tf.dispose([bmcLoss(a, b, 2), a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
