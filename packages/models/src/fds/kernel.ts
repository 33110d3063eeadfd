/**
 * The FDS smoothing kernel (spec §1.7, official `FDS._get_kernel_window`): gaussian
 * = scipy `gaussian_filter1d(delta, sigma)` (truncate 4, 'reflect' boundary), triang
 * = `scipy.signal.windows.triang`, laplace = exp(−|x|/σ)/(2σ); each normalised by its
 * sum (not its max, unlike the LDS window), as float32.
 */
export type FdsKernel = 'gaussian' | 'triang' | 'laplace';

/** scipy.ndimage 'reflect' (half-sample symmetric, d c b a | a b c d | d c b a) index. */
function scipyReflect(i: number, n: number): number {
  const period = 2 * n;
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - 1 - k;
  return k;
}

/** scipy.ndimage.gaussian_filter1d(input, sigma) with default settings, in float64. */
export function gaussianFilter1d(input: ArrayLike<number>, sigma: number): Float64Array {
  const radius = Math.trunc(4 * sigma + 0.5);
  const weights = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let j = -radius; j <= radius; j++) {
    const w = Math.exp((-0.5 / (sigma * sigma)) * j * j);
    weights[j + radius] = w;
    total += w;
  }
  for (let j = 0; j < weights.length; j++) weights[j] /= total;
  const n = input.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = -radius; j <= radius; j++) s += weights[j + radius] * input[scipyReflect(i + j, n)];
    out[i] = s;
  }
  return out;
}

/** scipy.signal.windows.triang(m). */
export function triangWindow(m: number): number[] {
  const half = Math.floor((m + 1) / 2);
  const w: number[] = [];
  for (let n = 1; n <= half; n++) w.push(m % 2 === 1 ? (2 * n) / (m + 1) : (2 * n - 1) / m);
  const mirror = m % 2 === 1 ? w.slice(0, -1).reverse() : w.slice().reverse();
  return w.concat(mirror);
}

/** The sum-normalised FDS kernel window of length ks (odd). */
export function fdsKernelWindow(kernel: FdsKernel, ks: number, sigma: number): Float32Array {
  if (!Number.isInteger(ks) || ks < 1 || ks % 2 === 0) throw new Error(`FDS kernel size must be odd, got ${ks}`);
  const half = (ks - 1) / 2;
  let raw: number[];
  if (kernel === 'gaussian') {
    const delta = new Array<number>(ks).fill(0);
    delta[half] = 1;
    raw = Array.from(gaussianFilter1d(delta, sigma), Math.fround);
  } else if (kernel === 'triang') {
    raw = triangWindow(ks);
  } else if (kernel === 'laplace') {
    raw = [];
    for (let x = -half; x <= half; x++) raw.push(Math.exp(-Math.abs(x) / sigma) / (2 * sigma));
  } else {
    throw new Error(`unknown FDS kernel '${String(kernel)}'; allowed: gaussian, triang, laplace`);
  }
  const sum = raw.reduce((a, v) => a + v, 0);
  return Float32Array.from(raw, (v) => v / sum);
}

/**
 * 1-D convolution of `rows` (n rows of length d, row-major) along the row axis with
 * `window`, torch 'reflect' padding of (ks−1)/2 (mirror without repeating the edge).
 */
export function smoothAlongBins(rows: Float32Array, n: number, d: number, window: Float32Array): Float32Array {
  const half = (window.length - 1) / 2;
  if (half > n - 1) throw new Error(`FDS: kernel size ${window.length} needs at least ${half + 1} bins, have ${n}`);
  const out = new Float32Array(n * d);
  const acc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let j = -half; j <= half; j++) {
      let k = i + j;
      if (k < 0) k = -k;
      else if (k > n - 1) k = 2 * (n - 1) - k;
      const w = window[j + half];
      const off = k * d;
      for (let c = 0; c < d; c++) acc[c] += w * rows[off + c];
    }
    out.set(acc, i * d);
  }
  return out;
}
