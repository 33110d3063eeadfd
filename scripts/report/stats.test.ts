import { describe, expect, it } from 'vitest';
import { compareRows, rowKey } from './row-order.js';
import { fixed, formatDuration, formatStat, sampleStd, seedStat } from './stats.js';

describe('seed statistics', () => {
  it('uses the sample standard deviation (n − 1)', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: Σ(x − 5)² = 32, /7
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(seedStat([1, null, 3])).toEqual({ mean: 2, std: Math.SQRT2, count: 2 });
    expect(seedStat([null, null])).toBeNull();
  });

  it('formats mean ± std, a single value, and — for none', () => {
    expect(formatStat({ mean: 13.5, std: Math.SQRT1_2, count: 2 }, 2)).toBe('13.50 ± 0.71');
    expect(formatStat({ mean: 1.2346, std: null, count: 1 }, 3)).toBe('1.235');
    expect(formatStat(null, 2)).toBe('—');
    expect(fixed(-0.0001, 2)).toBe('0.00');
  });

  it('formats wall times', () => {
    expect(formatDuration(75)).toBe('75 s');
    expect(formatDuration(750)).toBe('12.5 min');
    expect(formatDuration(9000)).toBe('2.50 h');
    expect(formatDuration(null)).toBe('—');
  });
});

describe('row order', () => {
  it('matches labels regardless of case and spacing around +', () => {
    expect(rowKey(' SQINV+LDS ')).toBe(rowKey('sqinv + lds'));
  });

  it('puts Vanilla first, DIR baselines next, Balanced MSE GAI/BMC/BNI, then unknown rows alphabetically', () => {
    const rows = [
      'zeta',
      'Balanced MSE (BNI)',
      'Alpha',
      'SQINV + LDS',
      'Balanced MSE (GAI)',
      'Vanilla',
      'Balanced MSE (BMC)',
      'RRT',
    ];
    expect(rows.sort(compareRows)).toEqual([
      'Vanilla',
      'RRT',
      'SQINV + LDS',
      'Balanced MSE (GAI)',
      'Balanced MSE (BMC)',
      'Balanced MSE (BNI)',
      'Alpha',
      'zeta',
    ]);
  });
});
