/** NYUD2 training colour augmentation on [0,1] RGB floats (`nyud2-dir/nyu_transform.py`: Lighting, ColorJitter; spec §2.3). */

import { nativeImage } from '../image/native.js';
import { normal, permutation, type Rng, uniform } from '../rng.js';
import { type ChannelStats, LIGHTING_PCA } from './normalize.js';

export interface ColorParams {
  /** PCA lighting α_j ~ N(0, 0.1²) */
  lighting: [number, number, number];
  /** application order of [brightness, contrast, saturation] */
  order: number[];
  /** lerp factor per op (indexed like `order`'s values), each ~ U(−0.4, 0.4) */
  alphas: [number, number, number];
}

export function drawColorParams(rng: Rng, jitter = 0.4): ColorParams {
  const lighting: [number, number, number] = [
    normal(rng, 0, LIGHTING_PCA.alphaStd),
    normal(rng, 0, LIGHTING_PCA.alphaStd),
    normal(rng, 0, LIGHTING_PCA.alphaStd),
  ];
  const order = permutation(3, rng);
  const alphas: [number, number, number] = [0, 0, 0];
  for (const op of order) alphas[op] = uniform(rng, -jitter, jitter);
  return { lighting, order, alphas };
}

/** Adds Σ_j eigvec[c][j]·α_j·eigval[j] to channel c. */
export function lightingInPlace(x: Float32Array, alpha: readonly number[]): void {
  const off = lightingOffsets(alpha);
  for (let i = 0; i < x.length; i += 3) {
    x[i] += off[0];
    x[i + 1] += off[1];
    x[i + 2] += off[2];
  }
}

const grey = (x: Float32Array, i: number) => 0.299 * x[i] + 0.587 * x[i + 1] + 0.114 * x[i + 2];

/** img.lerp(0, α): img + α·(0 − img). */
export function brightnessInPlace(x: Float32Array, alpha: number): void {
  for (let i = 0; i < x.length; i++) x[i] += alpha * (0 - x[i]);
}

/** img.lerp(mean grey, α). */
export function contrastInPlace(x: Float32Array, alpha: number): void {
  let sum = 0;
  for (let i = 0; i < x.length; i += 3) sum += grey(x, i);
  const m = sum / (x.length / 3);
  for (let i = 0; i < x.length; i++) x[i] += alpha * (m - x[i]);
}

/** img.lerp(per-pixel grey, α). */
export function saturationInPlace(x: Float32Array, alpha: number): void {
  for (let i = 0; i < x.length; i += 3) {
    const g = grey(x, i);
    x[i] += alpha * (g - x[i]);
    x[i + 1] += alpha * (g - x[i + 1]);
    x[i + 2] += alpha * (g - x[i + 2]);
  }
}

const ops = [brightnessInPlace, contrastInPlace, saturationInPlace];

export function colorInPlace(x: Float32Array, p: ColorParams): void {
  lightingInPlace(x, p.lighting);
  for (const op of p.order) ops[op](x, p.alphas[op]);
}

/**
 * ToTensor (v/255) → [lighting → the three jitter ops in `p.order`] → Normalize, from interleaved uint8 RGB into
 * `out`, in at most two passes over the image (the contrast op needs the mean grey of the image as it is when
 * its turn comes). Every intermediate is rounded to float32 where the one-op-at-a-time version stores it in its
 * Float32Array, so the result is bit-identical to `x = rgb/255; colorInPlace(x, p); normalizeInPlace(x, stats)`.
 */
export function toTensorColorNormalize(
  rgb: Uint8Array,
  out: Float32Array,
  p: ColorParams | null,
  stats: ChannelStats,
): Float32Array {
  const native = nativeImage();
  if (!native) return toTensorColorNormalizeJs(rgb, out, p, stats);
  const st = Float64Array.of(...stats.mean, ...stats.std);
  if (!p) return native.colorNormalizeInto(rgb, out, null, st);
  // lighting offsets here (the same doubles), the passes in C (native/bmse_image.c)
  const at = p.order.indexOf(1);
  const before = p.order.slice(0, at);
  const after = p.order.slice(at + 1);
  const params = Float64Array.of(
    ...lightingOffsets(p.lighting),
    ...p.alphas,
    before.length,
    before[0] ?? 0,
    before[1] ?? 0,
    after.length,
    after[0] ?? 0,
    after[1] ?? 0,
  );
  return native.colorNormalizeInto(rgb, out, params, st);
}

/** Σ_j eigvec[c][j]·α_j·eigval[j] per channel c (PCA lighting). */
function lightingOffsets(a: readonly number[]): number[] {
  const { eigval, eigvec } = LIGHTING_PCA;
  return [0, 1, 2].map(
    (c) => eigvec[c][0] * a[0] * eigval[0] + eigvec[c][1] * a[1] * eigval[1] + eigvec[c][2] * a[2] * eigval[2],
  );
}

/** toTensorColorNormalize in JS: the reference the native kernel is tested against, and the fallback. */
export function toTensorColorNormalizeJs(
  rgb: Uint8Array,
  out: Float32Array,
  p: ColorParams | null,
  stats: ChannelStats,
): Float32Array {
  const f = Math.fround;
  const [m0, m1, m2] = stats.mean;
  const [s0, s1, s2] = stats.std;
  const n = rgb.length;
  if (!p) {
    for (let i = 0; i < n; i += 3) {
      out[i] = (f(rgb[i] / 255) - m0) / s0;
      out[i + 1] = (f(rgb[i + 1] / 255) - m1) / s1;
      out[i + 2] = (f(rgb[i + 2] / 255) - m2) / s2;
    }
    return out;
  }
  const off = lightingOffsets(p.lighting);
  const at = p.order.indexOf(1); // contrast
  const before = p.order.slice(0, at);
  const after = p.order.slice(at + 1);
  const ab = p.alphas[0];
  const as = p.alphas[2];
  // brightness (0) and saturation (2) on one pixel, float32 after each op
  const pixelOps = (ops: number[], px: number[]) => {
    for (const op of ops) {
      if (op === 0) {
        px[0] = f(px[0] + ab * (0 - px[0]));
        px[1] = f(px[1] + ab * (0 - px[1]));
        px[2] = f(px[2] + ab * (0 - px[2]));
      } else {
        const g = 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
        px[0] = f(px[0] + as * (g - px[0]));
        px[1] = f(px[1] + as * (g - px[1]));
        px[2] = f(px[2] + as * (g - px[2]));
      }
    }
  };
  const px = [0, 0, 0];
  let sum = 0;
  for (let i = 0; i < n; i += 3) {
    px[0] = f(f(rgb[i] / 255) + off[0]);
    px[1] = f(f(rgb[i + 1] / 255) + off[1]);
    px[2] = f(f(rgb[i + 2] / 255) + off[2]);
    pixelOps(before, px);
    sum += 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
    out[i] = px[0];
    out[i + 1] = px[1];
    out[i + 2] = px[2];
  }
  const m = sum / (n / 3);
  const ac = p.alphas[1];
  for (let i = 0; i < n; i += 3) {
    px[0] = f(out[i] + ac * (m - out[i]));
    px[1] = f(out[i + 1] + ac * (m - out[i + 1]));
    px[2] = f(out[i + 2] + ac * (m - out[i + 2]));
    pixelOps(after, px);
    out[i] = (px[0] - m0) / s0;
    out[i + 1] = (px[1] - m1) / s1;
    out[i + 2] = (px[2] - m2) / s2;
  }
  return out;
}
