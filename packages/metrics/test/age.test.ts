/** Age metrics (spec §5.1) on hand-built sets with closed-form answers, empty regions, errors, golden values. */
import { describe, expect, it } from 'vitest';
import { ageMetrics, MetricsInputError, shotRegions } from '../src/index.js';
import { expectRegion, fixture, rep } from './helpers.js';

// training counts: 10 → 150 (many), 20 → 50 (medium), 30 → 5 (few), 40 → none (few)
const train = [...rep(10, 150), ...rep(20, 50), ...rep(30, 5)];
// test samples (label, prediction) and their absolute errors
const labels = [10, 10, 20, 30, 30, 30, 40];
const preds = [11, 13, 18, 30.5, 29, 34, 44]; // |e| = 1, 3, 2, 0.5, 1, 4, 4

describe('ageMetrics on a hand-built set', () => {
  const m = ageMetrics(preds, labels, train);

  it('many: one label, two samples', () => {
    expectRegion(m.many, {
      n: 2,
      numLabels: 1,
      mse: (1 + 9) / 2,
      mae: (1 + 3) / 2,
      gm: Math.sqrt(3),
      bmse: 5,
      bmae: 2,
    });
  });

  it('medium: one sample', () => {
    expectRegion(m.medium, { n: 1, numLabels: 1, mse: 4, mae: 2, gm: 2, bmse: 4, bmae: 2 });
  });

  it('few: a label with 5 training samples and one with none', () => {
    // label 30: se 0.25 + 1 + 16, ae 0.5 + 1 + 4; label 40: se 16, ae 4
    expectRegion(m.few, {
      n: 4,
      numLabels: 2,
      mse: (17.25 + 16) / 4, // sample-weighted
      mae: (5.5 + 4) / 4,
      gm: (0.5 * 1 * 4 * 4) ** (1 / 4),
      bmse: (17.25 / 3 + 16) / 2, // label-averaged
      bmae: (5.5 / 3 + 4) / 2,
    });
  });

  it('all: sample means, geometric mean over samples, label-averaged means over the 4 labels', () => {
    expectRegion(m.all, {
      n: 7,
      numLabels: 4,
      mse: (10 + 4 + 33.25) / 7,
      mae: (4 + 2 + 9.5) / 7,
      gm: (1 * 3 * 2 * 0.5 * 1 * 4 * 4) ** (1 / 7),
      bmse: (5 + 4 + 17.25 / 3 + 16) / 4,
      bmae: (2 + 2 + 5.5 / 3 + 4) / 4,
    });
  });

  it('accepts typed arrays and a prebuilt ShotRegions with the same result', () => {
    const regions = shotRegions(train);
    expect(ageMetrics(Float64Array.from(preds), Float32Array.from(labels), regions)).toEqual(m);
  });
});

describe('GM with an exact-zero error (scipy.stats.gmean: log 0 = −∞ ⇒ 0)', () => {
  it('is 0 in the regions holding the zero error and unaffected elsewhere', () => {
    const m = ageMetrics([10, 12, 22], [10, 10, 20], train);
    expect(m.all.gm).toBe(0);
    expect(m.many.gm).toBe(0);
    expect(m.medium.gm).toBe(2);
    expect(m.all.mae).toBeCloseTo(4 / 3, 14);
  });

  it('perfect predictions give every metric 0', () => {
    const m = ageMetrics(labels, labels, train);
    for (const r of [m.all, m.many, m.medium, m.few]) {
      expect([r.mse, r.mae, r.gm, r.bmse, r.bmae]).toEqual([0, 0, 0, 0, 0]);
    }
  });
});

describe('empty regions (DIR issue #19: the official code crashes on gmean([]))', () => {
  it('reports n = 0 and null metrics, never NaN or a throw', () => {
    const m = ageMetrics([11, 9], [10, 10], train); // only many-shot test labels
    expect(m.all.n).toBe(2);
    for (const r of [m.medium, m.few]) {
      expect(r).toEqual({ n: 0, numLabels: 0, mse: null, mae: null, gm: null, bmse: null, bmae: null });
    }
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('every test label unseen in training ⇒ all few', () => {
    const m = ageMetrics([1, 2], [3, 4], [50]);
    expect(m.few.n).toBe(2);
    expect(m.many.n + m.medium.n).toBe(0);
  });
});

describe('binning and thresholds', () => {
  it('groups non-integer labels by Math.floor by default', () => {
    // labels 10.2 and 10.7 are one label bin (10); bmae = mean of per-bin MAE
    const m = ageMetrics([10.2, 11.7, 21], [10.2, 10.7, 20], train);
    expectRegion(m.many, { n: 2, numLabels: 1, mae: 0.5, bmae: 0.5 });
    expectRegion(m.all, { numLabels: 2, bmae: (0.5 + 1) / 2, mae: 2 / 3 });
  });

  it('uses custom thresholds and binOf', () => {
    const m = ageMetrics(preds, labels, train, { many: 40, few: 6 });
    expect([m.many.n, m.medium.n, m.few.n]).toEqual([3, 0, 4]); // 20 (50 samples) moves to many; 30 (5) stays few
    const coarse = ageMetrics(preds, labels, train, { binOf: (a) => Math.floor(a / 25) });
    // bins: 0 ← 10, 20 (200 training samples, many); 1 ← 30, 40 (5, few)
    expectRegion(coarse.many, { n: 3, numLabels: 1, mae: 2, bmae: 2 });
    expectRegion(coarse.few, { n: 4, numLabels: 1, mae: 9.5 / 4, bmae: 9.5 / 4 });
  });
});

describe('bad input', () => {
  it('names the argument and the index', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => ageMetrics([1, 2], [1], train), /ageMetrics: preds has length 2 but labels has length 1/],
      [() => ageMetrics([1, Number.NaN], [1, 2], train), /ageMetrics: preds\[1\] is NaN/],
      [() => ageMetrics([1, 2, 3], [1, 2, Number.NEGATIVE_INFINITY], train), /labels\[2\] is -Infinity/],
      [() => ageMetrics([], [], train), /ageMetrics: preds is empty/],
      [() => ageMetrics([1], [1], []), /ageMetrics: trainLabels is empty/],
      [() => ageMetrics([1], [1], [1, Number.NaN]), /ageMetrics: trainLabels\[1\] is NaN/],
      [() => ageMetrics([1], [1], null as unknown as number[]), /trainLabels must be an array/],
      [() => ageMetrics([1], [1], shotRegions(train), { many: 5 }), /cannot be combined with a ShotRegions/],
      [() => ageMetrics([1], [1], train, { few: 200 }), /ageMetrics: options.few \(200\)/],
      [
        () => ageMetrics([1, 2], [1, 2], train, { binOf: (l) => (l === 2 ? Number.NaN : l) }),
        /binOf\(labels\[1\] = 2\)/,
      ],
    ];
    for (const [f, re] of bad) {
      expect(f).toThrow(MetricsInputError);
      expect(f).toThrow(re);
    }
  });
});

interface AgeGolden {
  trainLabels: number[];
  labels: number[];
  preds: number[];
  all: Record<string, number>;
  many: Record<string, number>;
  medium: Record<string, number>;
  few: Record<string, number>;
}

describe('golden values: float32 NumPy / scipy.stats.gmean evaluation of the official definitions (fixtures/generate.py)', () => {
  const g = fixture<{ age: AgeGolden }>('official-metrics.json').age;
  const m = ageMetrics(g.preds, g.labels, g.trainLabels);
  for (const r of ['all', 'many', 'medium', 'few'] as const) {
    it(r, () => {
      expect(m[r].n).toBe(g[r].n);
      expect(m[r].numLabels).toBe(g[r].numLabels);
      // the reference sums in float32; this package in float64
      expectRegion(m[r], g[r], 2e-6, r);
    });
  }
});
