/**
 * The NYUD2-DIR balanced test mask (`preprocess_nyud2.py`, `create_balanced_testset`, spec §2.3): histogram the
 * test depths (at the crop size) into 100 bins of 0.1 m, k = the smallest non-zero bin count, then keep k pixels
 * picked uniformly without replacement in each bin 7..99. The official mask is unseeded; this one is seeded.
 */
import { rngFor, sampleWithoutReplacement } from '../rng.js';

export const NYUD2_BINS = 100;

/** Bin of a depth in metres: min(⌊10·d⌋, 99) with the product in float32, as the official code. */
export function depthBin(d: number): number {
  return Math.min(Math.floor(Math.fround(Math.fround(d) * 10)), NYUD2_BINS - 1);
}

export interface BalancedMask {
  /** [n, h, w] 0/1 */
  mask: Uint8Array;
  /** pixels kept per bin */
  perBin: number;
  /** pixel counts per bin before balancing */
  counts: number[];
}

export function buildBalancedMask(
  depths: readonly Float32Array[],
  opts: { seed?: number; firstBin?: number } = {},
): BalancedMask {
  const { seed = 0, firstBin = 7 } = opts;
  const n = depths.length;
  const px = n === 0 ? 0 : depths[0].length;
  const counts = new Array<number>(NYUD2_BINS).fill(0);
  const bins = new Uint8Array(n * px);
  depths.forEach((d, i) => {
    if (d.length !== px) throw new RangeError(`depth map ${i} has ${d.length} pixels, the first has ${px}`);
    for (let p = 0; p < px; p++) {
      const v = d[p];
      const b = v >= 0 && v <= 10 ? depthBin(v) : 255;
      bins[i * px + p] = b;
      if (b !== 255) counts[b]++;
    }
  });
  const nonZero = counts.filter((c) => c > 0);
  const perBin = nonZero.length ? Math.min(...nonZero) : 0;
  const members: Int32Array[] = counts.map((c) => new Int32Array(c));
  const fill = new Array<number>(NYUD2_BINS).fill(0);
  for (let j = 0; j < bins.length; j++) if (bins[j] !== 255) members[bins[j]][fill[bins[j]]++] = j;
  const mask = new Uint8Array(n * px);
  for (let b = firstBin; b < NYUD2_BINS; b++) {
    if (counts[b] === 0) continue;
    for (const k of sampleWithoutReplacement(counts[b], perBin, rngFor(seed, 'nyud2-mask', b))) mask[members[b][k]] = 1;
  }
  return { mask, perBin, counts };
}
