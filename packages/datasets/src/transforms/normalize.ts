/** Normalisation constants (`../shared/reference/data/lighting-pca.json`) and ToTensor + Normalize on interleaved RGB. */

export interface ChannelStats {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** IMDB-WIKI-DIR / AgeDB-DIR: mean 0.5, std 0.5 per channel (spec §2.1). */
export const AGE_STATS: ChannelStats = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
/** NYUD2-DIR: ImageNet statistics (spec §2.3). */
export const IMAGENET_STATS: ChannelStats = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** ImageNet PCA lighting (AlexNet-style), α std 0.1; rows of `eigvec` are R, G, B (spec §2.3). */
export const LIGHTING_PCA = {
  alphaStd: 0.1,
  eigval: [0.2175, 0.0188, 0.0045] as const,
  eigvec: [
    [-0.5675, 0.7192, 0.4009],
    [-0.5808, -0.0045, -0.814],
    [-0.5836, -0.6948, 0.4203],
  ] as const,
};

/** In place: (x − mean_c) / std_c on interleaved RGB floats. */
export function normalizeInPlace(x: Float32Array, stats: ChannelStats): Float32Array {
  const [m0, m1, m2] = stats.mean;
  const [s0, s1, s2] = stats.std;
  for (let i = 0; i < x.length; i += 3) {
    x[i] = (x[i] - m0) / s0;
    x[i + 1] = (x[i + 1] - m1) / s1;
    x[i + 2] = (x[i + 2] - m2) / s2;
  }
  return x;
}
