/** The demo's pure parts: the label density from the sliders, the data sets, the shot table, the URL state. */
import { describe, expect, it } from 'vitest';
import { binCountsOf, binOfLabel, binProbabilities, DEFAULT_PERCENTAGES, testSet, trainingSet } from '../src/data.js';
import { regionMse } from '../src/evaluate.js';
import { inverseBinWeights } from '../src/methods.js';
import { DEFAULT_STATE, hashOf, stateFromHash } from '../src/state.js';

describe('data', () => {
  it('turns the official slider values into bin probabilities (each bin 8× rarer after [2,4))', () => {
    const p = binProbabilities(DEFAULT_PERCENTAGES);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[0]).toBeCloseTo(100 / 158.5, 12);
    expect(p[2] / p[3]).toBeCloseTo(8, 10);
    expect(() => binProbabilities([0, 0, 0, 0, 0])).toThrow('at least one label bin');
    expect(() => binProbabilities([1, 2])).toThrow('need 5 non-negative percentages');
  });

  it('draws training labels with those frequencies and x = y − N(0, 1), the same for a seed', () => {
    const t = trainingSet(DEFAULT_PERCENTAGES, 20_000, 7);
    expect(trainingSet(DEFAULT_PERCENTAGES, 20_000, 7)).toEqual(t);
    const counts = binCountsOf(t.y);
    const p = binProbabilities(DEFAULT_PERCENTAGES);
    for (const [i, c] of counts.entries()) {
      expect(Math.abs(c / 20_000 - p[i])).toBeLessThan(4 * Math.sqrt((p[i] * (1 - p[i])) / 20_000) + 1e-4);
    }
    const noise = t.x.map((x, i) => t.y[i][0] - x[0]);
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const variance = noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeGreaterThan(0.95);
    expect(variance).toBeLessThan(1.05);
    expect(t.y.every(([y]) => y >= 0 && y < 10)).toBe(true);
  });

  it('makes a balanced test set with x = y, in one or two dimensions', () => {
    const t = testSet(5000, 1, 2);
    expect(t.x).toEqual(t.y);
    expect(t.y[0]).toHaveLength(2);
    expect(Math.min(...binCountsOf(t.y))).toBeGreaterThan(900);
    expect(binOfLabel(10)).toBe(4);
    expect(binOfLabel(1.99)).toBe(0);
  });

  it('Reweight weights are 1 / bin count with mean 1', () => {
    const w = inverseBinWeights([[0.5], [1], [1.5], [3]]);
    // counts 3 and 1: raw 1/3 ×3 and 1 → scale 4 / 2
    expect(w).toEqual([2 / 3, 2 / 3, 2 / 3, 2].map((v) => expect.closeTo(v, 12)));
  });
});

describe('test table', () => {
  it('splits the test MSE by the training count of each label bin (> 100 many, < 20 few)', () => {
    const train = [...new Array(150).fill([1]), ...new Array(50).fill([3]), [5]];
    const labels = [[1], [3], [5], [9]];
    const preds = [[2], [3], [7], [6]];
    const r = regionMse(preds, labels, train);
    expect(r.all).toEqual({ n: 4, mse: (1 + 0 + 4 + 9) / 4 });
    expect(r.many).toEqual({ n: 1, mse: 1 });
    expect(r.medium).toEqual({ n: 1, mse: 0 });
    expect(r.few).toEqual({ n: 2, mse: 6.5 });
  });
});

describe('URL state', () => {
  it('round-trips every setting and ignores malformed values', () => {
    const s = {
      ...DEFAULT_STATE,
      percentages: [1, 2, 3, 4, 5],
      seed: 9,
      learnableSigma: true,
      dims: 2 as const,
      epochs: 40,
    };
    expect(stateFromHash(hashOf(s))).toEqual(s);
    expect(stateFromHash('#p=1,2,x,4,5&seed=-1&dims=7&epochs=0')).toEqual(DEFAULT_STATE);
    expect(hashOf(DEFAULT_STATE)).toBe('#p=100%2C51.2%2C6.4%2C0.8%2C0.1&seed=0&sigma=fixed&dims=1');
  });
});
