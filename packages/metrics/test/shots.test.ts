/** Shot regions from training counts: thresholds, binning, unseen labels, NYUD2 consistency. */
import { describe, expect, it } from 'vitest';
import {
  integerBin,
  MetricsInputError,
  NYUD2_SHOT_BINS,
  nyud2DepthBin,
  shotRegions,
  shotRegionsFromCounts,
} from '../src/index.js';
import { rep, sharedData } from './helpers.js';

describe('shotRegions', () => {
  // training counts per age: 101, 100, 21, 20, 19, 1
  const train = [...rep(1, 101), ...rep(2, 100), ...rep(3, 21), ...rep(4, 20), ...rep(5, 19), 6];
  const shotOf = shotRegions(train);

  it('uses many > 100 and few < 20 strictly (spec §5.1)', () => {
    expect([1, 2, 3, 4, 5, 6].map(shotOf)).toEqual(['many', 'medium', 'medium', 'medium', 'few', 'few']);
    expect(shotOf.many).toBe(100);
    expect(shotOf.few).toBe(20);
  });

  it('puts labels with no training sample in few', () => {
    expect(shotOf(0)).toBe('few');
    expect(shotOf(150)).toBe('few');
    expect(shotOf.count(150)).toBe(0);
  });

  it('bins labels with Math.floor by default (1-year bins)', () => {
    expect(shotOf(1.9)).toBe('many');
    expect(shotOf.count(2.5)).toBe(100);
    expect(shotOf.bin(-0.5)).toBe(-1);
    expect(integerBin(-0)).toBe(-0);
    expect(shotRegions([0.2, 0.7, 1.1]).counts).toEqual(
      new Map([
        [0, 2],
        [1, 1],
      ]),
    );
  });

  it('takes configurable thresholds and a custom binOf', () => {
    const s = shotRegions(train, { many: 20, few: 2 });
    expect([1, 3, 4, 5, 6, 7].map(s)).toEqual(['many', 'many', 'medium', 'medium', 'few', 'few']);
    const decade = shotRegions(train, { many: 150, few: 10, binOf: (a) => Math.floor(a / 10) });
    expect(decade.count(7)).toBe(train.length);
    expect(decade(9)).toBe('many');
    expect(decade(12)).toBe('few');
    // few = 0 would make an unseen label "medium" by the counts; it stays few
    expect(shotRegions(train, { many: 5, few: 0 })(42)).toBe('few');
  });

  it('shotRegionsFromCounts equals counting the labels', () => {
    const fromCounts = shotRegionsFromCounts([0, 101, 100, 21, 20, 19, 1]);
    for (const a of [0, 1, 2, 3, 4, 5, 6, 7, 2.5]) expect(fromCounts(a)).toBe(shotOf(a));
    const fromMap = shotRegionsFromCounts(new Map([[3, 500]]));
    expect(fromMap(3.2)).toBe('many');
  });

  it('reproduces the hard-coded NYUD2 shot lists from TRAIN_BUCKET_NUM (spec §5.2, §6.7)', () => {
    const data = sharedData<{ counts: number[] }>('nyud2-dir-train-bucket-counts.json');
    if (!data) return; // the shared reference folder is not part of every checkout
    expect(data.counts.reduce((a, b) => a + b, 0)).toBe(3_513_286_656);
    const s = shotRegionsFromCounts(data.counts, { many: 2.6e7, few: 1e7, binOf: nyud2DepthBin });
    for (const shot of ['many', 'medium', 'few'] as const) {
      for (const b of NYUD2_SHOT_BINS[shot]) expect(s(b / 10 + 0.05), `bin ${b}`).toBe(shot);
    }
    for (let b = 0; b < 7; b++) expect(s(b / 10 + 0.05)).toBe('few'); // the DIR repo's few list starts with 0–6
  });

  it('rejects bad input with the argument and the index', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => shotRegions([]), /shotRegions: trainLabels is empty/],
      [() => shotRegions([1, 2, Number.NaN]), /trainLabels\[2\] is NaN/],
      [() => shotRegions([1, Number.POSITIVE_INFINITY]), /trainLabels\[1\] is Infinity/],
      [() => shotRegions('abc' as unknown as number[]), /trainLabels must be an array/],
      [() => shotRegions([1], { many: 10, few: 20 }), /few \(20\) is greater than options.many \(10\)/],
      [() => shotRegions([1], { many: -1 }), /options.many is -1/],
      [
        () => shotRegions([1, 2], { binOf: (l) => (l > 1 ? Number.NaN : 0) }),
        /binOf\(trainLabels\[1\] = 2\) returned NaN/,
      ],
      [() => shotOf(Number.NaN), /label NaN is not a finite number/],
      [() => shotRegionsFromCounts([1, -2]), /counts\[1\] is -2/],
    ];
    for (const [f, re] of bad) {
      expect(f).toThrow(MetricsInputError);
      expect(f).toThrow(re);
    }
  });
});
