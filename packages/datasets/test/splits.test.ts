import { describe, expect, it } from 'vitest';
import { type AgeRow, buildBalancedMask, depthBin, makeBalancedSplit } from '../src/index.js';

describe('balanced age split (spec §2.1)', () => {
  it('per age: min(⌊n/3⌋, maxSize) val, as many test, rest train; ages > maxAge and rare ages train only', () => {
    const rows: AgeRow[] = [];
    const add = (age: number, n: number) => {
      for (let k = 0; k < n; k++) rows.push({ age, path: `${age}/${k}.jpg` });
    };
    add(30, 10);
    add(40, 2);
    add(121, 9);
    add(50, 100);
    const out = makeBalancedSplit(rows, { maxSize: 5, seed: 666 });
    const count = (age: number, s: string) => out.filter((r) => r.age === age && r.split === s).length;
    expect([count(30, 'val'), count(30, 'test'), count(30, 'train')]).toEqual([3, 3, 4]);
    expect(count(40, 'train')).toBe(2);
    expect(count(121, 'train')).toBe(9);
    expect([count(50, 'val'), count(50, 'test'), count(50, 'train')]).toEqual([5, 5, 90]);
    expect(out.map((r) => r.path)).toEqual(rows.map((r) => r.path));
    expect(makeBalancedSplit(rows, { maxSize: 5, seed: 666 })).toEqual(out);
    expect(makeBalancedSplit(rows, { maxSize: 5, seed: 1 })).not.toEqual(out);
  });
});

describe('NYUD2 balanced test mask (spec §2.3)', () => {
  it('bins are min(⌊10·d⌋, 99) in float32', () => {
    expect([depthBin(0.69), depthBin(0.7), depthBin(2.35), depthBin(9.99), depthBin(10), depthBin(12)]).toEqual([
      6, 7, 23, 99, 99, 99,
    ]);
  });

  it('keeps the same number of pixels in every bin 7..99, none below', () => {
    // bin 5: 3 px (counts towards k), bin 7: 4 px, bin 20: 10 px, bin 99: 6 px → k = 3
    const d = Float32Array.from([
      ...Array(3).fill(0.55),
      ...Array(4).fill(0.75),
      ...Array(10).fill(2.05),
      ...Array(6).fill(9.95),
      0.75,
    ]);
    const a = d.slice(0, 12);
    const b = d.slice(12, 24);
    const { mask, perBin, counts } = buildBalancedMask([a, b], { seed: 1 });
    expect(perBin).toBe(3);
    expect([counts[5], counts[7], counts[20], counts[99]]).toEqual([3, 5, 10, 6]);
    const kept = (bin: number) => Array.from(mask).filter((m, i) => m === 1 && depthBin(d[i]) === bin).length;
    expect([kept(5), kept(7), kept(20), kept(99)]).toEqual([0, 3, 3, 3]);
    expect(buildBalancedMask([a, b], { seed: 1 }).mask).toEqual(mask);
  });
});
