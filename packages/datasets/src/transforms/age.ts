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

/** (v/255 − mean_c)/std_c for every byte value, per channel (the same doubles as computing it per pixel). */
const LUTS = [0, 1, 2].map((c) =>
  Float64Array.from({ length: 256 }, (_, v) => (v / 255 - AGE_STATS.mean[c]) / AGE_STATS.std[c]),
);

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
  let o = offset;
  for (let y = 0; y < size; y++) {
    const sy = y + dy;
    for (let x = 0; x < size; x++) {
      const cx = flip ? size - 1 - x : x;
      const sx = cx + dx;
      if (sy < 0 || sy >= size || sx < 0 || sx >= size) {
        out[o] = z0;
        out[o + 1] = z1;
        out[o + 2] = z2;
      } else {
        const i = (sy * size + sx) * 3;
        out[o] = l0[rgb[i]];
        out[o + 1] = l1[rgb[i + 1]];
        out[o + 2] = l2[rgb[i + 2]];
      }
      o += 3;
    }
  }
}
