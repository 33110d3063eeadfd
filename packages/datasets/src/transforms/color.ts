/** NYUD2 training colour augmentation on [0,1] RGB floats (`nyud2-dir/nyu_transform.py`: Lighting, ColorJitter; spec §2.3). */
import { normal, permutation, type Rng, uniform } from '../rng.js';
import { LIGHTING_PCA } from './normalize.js';

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
  const { eigval, eigvec } = LIGHTING_PCA;
  const off = [0, 1, 2].map(
    (c) =>
      eigvec[c][0] * alpha[0] * eigval[0] + eigvec[c][1] * alpha[1] * eigval[1] + eigvec[c][2] * alpha[2] * eigval[2],
  );
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
