/** Depth metrics (spec §5.2) on hand-built pixels, shot lists, empty regions, batching, errors, golden values. */
import { describe, expect, it } from 'vitest';
import {
  DepthMetricsAccumulator,
  depthMetrics,
  MetricsInputError,
  NYUD2_SHOT_BINS,
  nyud2DepthBin,
  type Shot,
} from '../src/index.js';
import { expectRegion, fixture, sharedData } from './helpers.js';

describe('NYUD2 shot bins and depth bins', () => {
  it('are the 39 / 15 / 39 hard-coded lists covering bins 7–99 once', () => {
    expect([NYUD2_SHOT_BINS.many.length, NYUD2_SHOT_BINS.medium.length, NYUD2_SHOT_BINS.few.length]).toEqual([
      39, 15, 39,
    ]);
    const all = [...NYUD2_SHOT_BINS.many, ...NYUD2_SHOT_BINS.medium, ...NYUD2_SHOT_BINS.few].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 93 }, (_, i) => i + 7));
  });

  it('equal ../shared/reference/data/nyud2-dir-shot-bins.json', () => {
    const ref = sharedData<Record<Shot, number[]>>('nyud2-dir-shot-bins.json');
    if (!ref) return; // not part of every checkout
    for (const s of ['many', 'medium', 'few'] as const) expect([...NYUD2_SHOT_BINS[s]]).toEqual(ref[s]);
  });

  it('bin = min(int(float32(d) · float32(10)), 99)', () => {
    expect([0.05, 0.7, 0.95, 1.0, 2.35, 9.99, 10, 25].map(nyud2DepthBin)).toEqual([0, 7, 9, 10, 23, 99, 99, 99]);
    // float32 rounding: 4.6 is 4.5999999 in float32, × 10 rounds to 46.0 in float32 (float64 would give 45.999999)
    expect(nyud2DepthBin(Math.fround(4.6))).toBe(46);
    expect(Math.trunc(Math.fround(4.6) * 10)).toBe(45);
  });
});

describe('depthMetrics on hand-built pixels', () => {
  // (target d, prediction ŷ, mask); bins: 10 many, 20 many, 50 medium, 80 few, 5 in no list
  const targets = [1.0, 2.0, 5.0, 8.0, 0.5, 3.0];
  const preds = [1.2, 1.0, 4.0, 4.5, 0.5, 100];
  const mask = [1, 1, 1, 1, 1, 0]; // the last pixel is not in the balanced mask
  const m = depthMetrics(preds, targets, mask);
  const lg = [Math.log10(1.2), Math.log10(2), Math.log10(1.25), Math.log10(8 / 4.5), 0];

  it('many: pixels at 1 m and 2 m', () => {
    // ratios 1.2 (δ1..3) and 2 (none: 2 > 1.953125)
    expectRegion(m.many, {
      n: 2,
      mse: (0.04 + 1) / 2,
      rmse: Math.sqrt(0.52),
      mae: 0.6,
      absRel: (0.2 + 0.5) / 2,
      log10: (lg[0] + lg[1]) / 2,
      delta1: 0.5,
      delta2: 0.5,
      delta3: 0.5,
    });
  });

  it('medium: ratio exactly 1.25 counts for δ1 (≤, not <)', () => {
    expectRegion(m.medium, { n: 1, rmse: 1, mae: 1, absRel: 0.2, log10: lg[2], delta1: 1, delta2: 1, delta3: 1 });
  });

  it('few: ratio 1.78 is within δ3 only', () => {
    expectRegion(m.few, { n: 1, rmse: 3.5, mae: 3.5, absRel: 3.5 / 8, log10: lg[3], delta1: 0, delta2: 0, delta3: 1 });
  });

  it('all: every kept pixel, including bin 5 that no shot list holds; one mean over pixels', () => {
    const se = 0.04 + 1 + 1 + 12.25 + 0;
    expectRegion(m.all, {
      n: 5,
      mse: se / 5,
      rmse: Math.sqrt(se / 5),
      mae: (0.2 + 1 + 1 + 3.5) / 5,
      absRel: (0.2 + 0.5 + 0.2 + 3.5 / 8) / 5,
      log10: lg.reduce((a, b) => a + b) / 5,
      delta1: 3 / 5,
      delta2: 3 / 5,
      delta3: 4 / 5,
    });
    expect(m.all.n).toBeGreaterThan(m.many.n + m.medium.n + m.few.n);
  });

  it('pixel-pooled, not averaged per image: splitting into batches changes nothing', () => {
    const acc = new DepthMetricsAccumulator();
    acc.add(preds.slice(0, 2), targets.slice(0, 2), mask.slice(0, 2));
    acc.add(Float32Array.from(preds.slice(2)), Float32Array.from(targets.slice(2)), Uint8Array.from(mask.slice(2)));
    expect(acc.n).toBe(5);
    const r = acc.result();
    for (const s of ['all', 'many', 'medium', 'few'] as const) expectRegion(r[s], m[s] as never, 1e-13, s);
    // per-image averaging would give a different RMSE here
    const perImage = (Math.sqrt(0.52) + Math.sqrt((1 + 12.25) / 3)) / 2;
    expect(Math.abs((r.all.rmse as number) - perImage)).toBeGreaterThan(0.1);
    expect(acc.reset().result().all.n).toBe(0);
  });

  it('no mask keeps every pixel; boolean masks work', () => {
    expect(depthMetrics(preds, targets).all.n).toBe(6);
    expect(depthMetrics(preds, targets, mask.map(Boolean))).toEqual(m);
  });
});

describe('perfect predictions, empty regions', () => {
  it('perfect predictions: errors 0 and every δ 1', () => {
    const d = [0.75, 1.5, 4.65, 6.3, 9.9];
    const r = depthMetrics(d, d).all;
    expect(r).toEqual({ n: 5, rmse: 0, mse: 0, mae: 0, absRel: 0, log10: 0, delta1: 1, delta2: 1, delta3: 1 });
  });

  it('an empty mask or an empty shot is reported as n = 0 with null metrics', () => {
    const none = depthMetrics([1, 2], [1, 2], [0, 0]);
    for (const r of Object.values(none)) {
      expect(r).toEqual({
        n: 0,
        rmse: null,
        mse: null,
        mae: null,
        absRel: null,
        log10: null,
        delta1: null,
        delta2: null,
        delta3: null,
      });
    }
    const manyOnly = depthMetrics([1, 2], [1, 2]);
    expect(manyOnly.many.n).toBe(2);
    expect(manyOnly.few.rmse).toBeNull();
    expect(new DepthMetricsAccumulator().result().all.n).toBe(0);
  });
});

describe('official quirks and options', () => {
  it('non-positive predictions: log10 NaN (ŷ < 0) or ∞ (ŷ = 0); a negative ŷ passes every δ, 0 none', () => {
    const neg = depthMetrics([-1], [2]).all;
    expect(neg.log10).toBeNaN();
    expect([neg.delta1, neg.delta2, neg.delta3]).toEqual([1, 1, 1]);
    expect(neg.mae).toBe(3);
    const zero = depthMetrics([0], [2]).all;
    expect(zero.log10).toBe(Number.POSITIVE_INFINITY);
    expect([zero.delta1, zero.delta2, zero.delta3]).toEqual([0, 0, 0]);
  });

  it("nanTargets: 'skip' leaves NaN targets out (the official setNanToZero)", () => {
    const skip = depthMetrics([1, 5, 2], [1.1, Number.NaN, 2.5], null, { nanTargets: 'skip' });
    expect(skip).toEqual(depthMetrics([1, 2], [1.1, 2.5]));
  });

  it('custom shot bins and binOf', () => {
    const r = depthMetrics([1, 2, 3, 4], [1, 2, 3, 4], null, {
      shotBins: { many: [1], medium: [2, 3], few: [] },
      binOf: Math.floor,
    });
    expect([r.all.n, r.many.n, r.medium.n, r.few.n]).toEqual([4, 1, 2, 0]);
  });
});

describe('bad input', () => {
  it('names the argument, the index and the batch', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => depthMetrics([1, 2], [1]), /depthMetrics: preds has length 2 but targets has length 1/],
      [() => depthMetrics([1, 2], [1, 2], [1]), /depthMetrics: preds has length 2 but mask has length 1/],
      [() => depthMetrics([], []), /depthMetrics: preds is empty/],
      [() => depthMetrics([1, Number.NaN], [1, 2]), /depthMetrics: preds\[1\] is NaN/],
      [() => depthMetrics([1, 2, 3], [1, 2, 0]), /targets\[2\] is 0; a kept pixel needs a finite depth > 0/],
      [() => depthMetrics([1, 2], [1, Number.NaN]), /targets\[1\] is NaN/],
      [() => depthMetrics([1, 2], [1, 2], [1, 2]), /mask\[1\] is 2/],
      [() => depthMetrics([1], [1], null, { nanTargets: 'drop' as 'skip' }), /nanTargets is "drop"/],
      [
        () => depthMetrics([1], [1], null, { shotBins: { many: [1, 2], medium: [2], few: [] } }),
        /bin 2 is in both many and medium/,
      ],
      [
        () => new DepthMetricsAccumulator().add([1], [1]).add([1, 2], [1, -2]),
        /DepthMetricsAccumulator.add \(batch 1\): targets\[1\] is -2/,
      ],
    ];
    for (const [f, re] of bad) {
      expect(f).toThrow(MetricsInputError);
      expect(f).toThrow(re);
    }
  });

  it('a masked-out pixel may hold anything; a rejected batch leaves the sums untouched', () => {
    expect(depthMetrics([Number.NaN, 1], [0, 1], [0, 1]).all.n).toBe(1);
    const acc = new DepthMetricsAccumulator().add([1], [1]);
    expect(() => acc.add([1, 1], [1, 0])).toThrow(MetricsInputError);
    expect(acc.n).toBe(1);
  });
});

interface DepthGolden {
  preds: number[];
  targets: number[];
  mask: number[];
  all: Record<string, number>;
  many: Record<string, number>;
  medium: Record<string, number>;
  few: Record<string, number>;
}

describe('golden values: float32 NumPy evaluation of the official Evaluator (fixtures/generate.py)', () => {
  const g = fixture<{ depth: DepthGolden }>('official-metrics.json').depth;
  const m = depthMetrics(Float32Array.from(g.preds), Float32Array.from(g.targets), Uint8Array.from(g.mask));
  for (const r of ['all', 'many', 'medium', 'few'] as const) {
    it(r, () => {
      expect(m[r].n).toBe(g[r].n);
      // δ counts are exact (float32 ratios, as the reference); the sums differ by float32 vs float64 rounding
      expect([m[r].delta1, m[r].delta2, m[r].delta3]).toEqual([g[r].delta1, g[r].delta2, g[r].delta3]);
      expectRegion(m[r], g[r], 2e-6, r);
    });
  }
});
