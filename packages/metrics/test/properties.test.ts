/** fast-check properties: agreement with a direct transcription of the definitions, invariances, perfect predictions. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageMetrics, DepthMetricsAccumulator, depthMetrics } from '../src/index.js';
import { expectRegion } from './helpers.js';

const RUNS = { numRuns: 60 };
const age = fc.integer({ min: 0, max: 30 });
/** test samples (label, error) and training labels over a small age range so that every region occurs */
const ageCase = fc.record({
  samples: fc.array(fc.tuple(age, fc.double({ min: -20, max: 20, noNaN: true })), { minLength: 1, maxLength: 60 }),
  train: fc.array(fc.tuple(age, fc.integer({ min: 0, max: 130 })), { minLength: 1, maxLength: 12 }),
});
const trainLabels = (train: [number, number][]) => {
  const out: number[] = [];
  for (const [a, k] of train) for (let i = 0; i < k; i++) out.push(a);
  return out.length ? out : [0];
};

/** The definitions of spec §5.1 written the slow, direct way (np.unique loop of the official code). */
function reference(preds: number[], labels: number[], train: number[]) {
  const unique = [...new Set(labels)].sort((a, b) => a - b);
  const groups = { all: [] as number[], many: [] as number[], medium: [] as number[], few: [] as number[] };
  for (const l of unique) {
    const c = train.filter((t) => Math.trunc(t) === l).length;
    groups.all.push(l);
    groups[c > 100 ? 'many' : c < 20 ? 'few' : 'medium'].push(l);
  }
  const region = (ls: number[]) => {
    const idx = labels.flatMap((l, i) => (ls.includes(l) ? [i] : []));
    if (!idx.length) return { n: 0, mse: null, mae: null, gm: null, bmse: null, bmae: null };
    const e = idx.map((i) => preds[i] - labels[i]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const perLabel = ls.map((l) => labels.flatMap((y, i) => (y === l ? [preds[i] - y] : [])));
    return {
      n: idx.length,
      mse: mean(e.map((x) => x * x)),
      mae: mean(e.map(Math.abs)),
      gm: Math.exp(mean(e.map((x) => Math.log(Math.abs(x))))),
      bmse: mean(perLabel.map((es) => mean(es.map((x) => x * x)))),
      bmae: mean(perLabel.map((es) => mean(es.map(Math.abs)))),
    };
  };
  return { all: region(groups.all), many: region(groups.many), medium: region(groups.medium), few: region(groups.few) };
}

function shuffle<T>(xs: T[], seed: number): T[] {
  const out = xs.slice();
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('ageMetrics properties', () => {
  it('agrees with the direct transcription of the official definitions', () => {
    fc.assert(
      fc.property(ageCase, ({ samples, train }) => {
        const labels = samples.map(([a]) => a);
        const preds = samples.map(([a, e]) => a + e);
        const tl = trainLabels(train);
        const m = ageMetrics(preds, labels, tl);
        const ref = reference(preds, labels, tl);
        for (const r of ['all', 'many', 'medium', 'few'] as const) expectRegion(m[r], ref[r], 1e-9, r);
      }),
      RUNS,
    );
  });

  it('is invariant to the order of the test samples and of the training labels', () => {
    fc.assert(
      fc.property(ageCase, fc.integer(), ({ samples, train }, seed) => {
        const tl = trainLabels(train);
        const m = ageMetrics(
          samples.map(([a, e]) => a + e),
          samples.map(([a]) => a),
          tl,
        );
        const s = shuffle(samples, seed);
        const p = ageMetrics(
          s.map(([a, e]) => a + e),
          s.map(([a]) => a),
          shuffle(tl, seed + 1),
        );
        for (const r of ['all', 'many', 'medium', 'few'] as const) {
          expectRegion(p[r], m[r] as unknown as Record<string, number | null>, 1e-12, r);
        }
      }),
      RUNS,
    );
  });

  it('regions partition the samples and labels; a constant error c gives mse = bmse = c², mae = bmae = gm = |c|', () => {
    fc.assert(
      fc.property(ageCase, fc.double({ min: 0.01, max: 50, noNaN: true }), ({ samples, train }, c) => {
        const labels = samples.map(([a]) => a);
        const m = ageMetrics(
          labels.map((y) => y - c),
          labels,
          trainLabels(train),
        );
        expect(m.many.n + m.medium.n + m.few.n).toBe(m.all.n);
        expect(m.many.numLabels + m.medium.numLabels + m.few.numLabels).toBe(m.all.numLabels);
        for (const r of [m.all, m.many, m.medium, m.few]) {
          if (r.n === 0) continue;
          for (const v of [r.mse, r.bmse]) expect(v as number).toBeCloseTo(c * c, 8);
          for (const v of [r.mae, r.bmae, r.gm]) expect(v as number).toBeCloseTo(c, 10);
        }
      }),
      RUNS,
    );
  });

  it('on a test set with the same number of samples per label, the balanced and plain forms coincide', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(age, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 80, maxLength: 80 }),
        (ages, k, errs) => {
          const labels = ages.flatMap((a) => new Array(k).fill(a));
          const m = ageMetrics(
            labels.map((y, i) => y + errs[i]),
            labels,
            [0],
          );
          expect(m.all.bmae as number).toBeCloseTo(m.all.mae as number, 10);
          expect(m.all.bmse as number).toBeCloseTo(m.all.mse as number, 9);
        },
      ),
      RUNS,
    );
  });
});

const depthPixel = fc.record({
  d: fc.double({ min: 0.3, max: 12, noNaN: true }),
  ratio: fc.double({ min: 0.3, max: 3, noNaN: true }),
  keep: fc.boolean(),
});

describe('depthMetrics properties', () => {
  it('perfect predictions: zero errors, δ = 1 in every non-empty region', () => {
    fc.assert(
      fc.property(fc.array(depthPixel, { minLength: 1, maxLength: 200 }), (px) => {
        const d = px.map((p) => p.d);
        const m = depthMetrics(d, d);
        for (const r of Object.values(m)) {
          if (r.n === 0) continue;
          expect([r.rmse, r.mae, r.absRel, r.log10, r.delta1, r.delta2, r.delta3]).toEqual([0, 0, 0, 0, 1, 1, 1]);
        }
      }),
      RUNS,
    );
  });

  it('is invariant to pixel order and to the split into batches; masked pixels never count', () => {
    fc.assert(
      fc.property(fc.array(depthPixel, { minLength: 1, maxLength: 200 }), fc.integer(), (px, seed) => {
        const one = depthMetrics(
          px.map((p) => p.d * p.ratio),
          px.map((p) => p.d),
          px.map((p) => p.keep),
        );
        const s = shuffle(px, seed);
        const acc = new DepthMetricsAccumulator();
        const cut = Math.abs(seed) % s.length;
        for (const part of [s.slice(0, cut), s.slice(cut)]) {
          if (part.length)
            acc.add(
              part.map((p) => p.d * p.ratio),
              part.map((p) => p.d),
              part.map((p) => p.keep),
            );
        }
        const kept = px.filter((p) => p.keep);
        const noMask = kept.length
          ? depthMetrics(
              kept.map((p) => p.d * p.ratio),
              kept.map((p) => p.d),
            )
          : null;
        const r = acc.result();
        for (const k of ['all', 'many', 'medium', 'few'] as const) {
          expectRegion(r[k], one[k] as unknown as Record<string, number | null>, 1e-12, k);
          if (noMask) expectRegion(noMask[k], one[k] as unknown as Record<string, number | null>, 1e-12, k);
        }
        expect(one.all.n).toBe(kept.length);
        expect(one.all.delta1! <= one.all.delta2! && one.all.delta2! <= one.all.delta3!).toBe(true);
      }),
      RUNS,
    );
  });
});
