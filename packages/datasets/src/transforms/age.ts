/**
 * Age transforms (`imdb-wiki-dir/datasets.py`, spec §2.1). The image arrives already resized to S×S by sharp
 * (Resize((S, S)), bilinear); this does RandomCrop(S, padding) with zero padding → RandomHorizontalFlip →
 * ToTensor → Normalize(0.5, 0.5) in one pass, writing NHWC floats into `out` at `offset`.
 */
import { type Rng, randInt } from '../rng.js';
import { AGE_STATS } from './normalize.js';

export interface AgeAugmentParams {
  /** crop offset into the padded image, each in [0, 2·padding] */
  top: number;
  left: number;
  flip: boolean;
}

/** Draws in torchvision's order: crop (i, j) then flip. */
export function drawAgeAugment(rng: Rng, padding: number): AgeAugmentParams {
  const top = randInt(rng, 0, 2 * padding);
  const left = randInt(rng, 0, 2 * padding);
  return { top, left, flip: rng() < 0.5 };
}

/** (v/255 − mean_c)/std_c for every byte value, channel c at [256c, 256c + 256) (float32, as stored). */
export const AGE_LUT = Float32Array.from(
  { length: 768 },
  (_, i) => ((i % 256) / 255 - AGE_STATS.mean[i >> 8]) / AGE_STATS.std[i >> 8],
);
const LUTS = [0, 1, 2].map((c) => AGE_LUT.subarray(c * 256, (c + 1) * 256));

/** Writes the S×S×3 result into `out` (float32) starting at `offset`. `aug` null = eval transform. */
export function ageTransformInto(
  rgb: Uint8Array,
  size: number,
  padding: number,
  aug: AgeAugmentParams | null,
  out: Float32Array,
  offset = 0,
): void {
  const [l0, l1, l2] = LUTS;
  // 0 in the padded border normalises to (0 - mean) / std
  const z0 = l0[0];
  const z1 = l1[0];
  const z2 = l2[0];
  const dy = aug ? aug.top - padding : 0;
  const dx = aug ? aug.left - padding : 0;
  const flip = aug?.flip ?? false;
  // output columns whose source column cx + dx (cx = x, or size-1-x flipped) lies inside the image
  const lo = Math.min(size, flip ? Math.max(0, dx) : Math.max(0, -dx));
  const hi = flip ? Math.min(size, size + dx) : Math.min(size, size - dx);
  const step = flip ? -3 : 3;
  let o = offset;
  for (let y = 0; y < size; y++) {
    const sy = y + dy;
    const inside = sy >= 0 && sy < size;
    const rowEnd = o + size * 3;
    const x0 = inside ? lo : size;
    const x1 = inside ? hi : size;
    for (const end = offset + (y * size + x0) * 3; o < end; o += 3) {
      out[o] = z0;
      out[o + 1] = z1;
      out[o + 2] = z2;
    }
    if (x1 > x0) {
      let i = (sy * size + (flip ? size - 1 - x0 : x0) + dx) * 3;
      for (let x = x0; x < x1; x++, o += 3, i += step) {
        out[o] = l0[rgb[i]];
        out[o + 1] = l1[rgb[i + 1]];
        out[o + 2] = l2[rgb[i + 2]];
      }
    }
    for (; o < rowEnd; o += 3) {
      out[o] = z0;
      out[o + 1] = z1;
      out[o + 2] = z2;
    }
  }
}
