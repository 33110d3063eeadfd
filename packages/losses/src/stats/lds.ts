/**
 * Label distribution smoothing (LDS) windows and the SciPy 1-D filters they use
 * (spec §1.7; DIR repo imdb-wiki-dir/utils.py get_lds_kernel_window, scipy.ndimage).
 */
import { fail } from '../errors.js';

export type LdsKernel = 'gaussian' | 'triang' | 'laplace';
export const ldsKernels: readonly LdsKernel[] = ['gaussian', 'triang', 'laplace'];
export type BoundaryMode = 'constant' | 'reflect';

/** Index into [0, n) under scipy.ndimage's boundary modes; -1 means "outside, value 0" ('constant'). */
function boundaryIndex(i: number, n: number, mode: BoundaryMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  // 'reflect' = half-sample symmetric: d c b a | a b c d | d c b a, periodic with period 2n
  const m = ((i % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

/**
 * scipy.ndimage.convolve1d(input, weights, mode) with origin 0 (also for even-length weights:
 * out[i] = Σ_j w[j]·in[i − j + ⌊len/2⌋]). `truncate` reproduces SciPy's cast of the result back to
 * an integer input's dtype (truncation toward zero; spec §1.7 / §9.5).
 */
export function convolve1d(
  input: ArrayLike<number>,
  weights: ArrayLike<number>,
  mode: BoundaryMode = 'reflect',
  truncate = false,
): number[] {
  const n = input.length;
  const len = weights.length;
  if (len === 0) fail('convolve1d', 'weights is empty');
  if (mode !== 'constant' && mode !== 'reflect')
    fail('convolve1d', `mode must be 'constant' or 'reflect', got '${String(mode)}'`);
  const c = Math.floor(len / 2);
  // SciPy sums a symmetric odd window as w_c·x_c + Σ_{far→near} w_j·(x_left + x_right); the order matters
  // where the integer cast truncates (spec §9.5)
  let symmetric = len % 2 === 1;
  for (let j = 0; symmetric && j < c; j++)
    if (Math.abs(weights[j] - weights[len - 1 - j]) > Number.EPSILON) symmetric = false;
  const at = (i: number): number => {
    const idx = boundaryIndex(i, n, mode);
    return idx >= 0 ? input[idx] : 0;
  };
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum: number;
    if (symmetric) {
      sum = at(i) * weights[c];
      for (let j = 0; j < c; j++) sum += (at(i - (c - j)) + at(i + (c - j))) * weights[j];
    } else {
      sum = weights[0] * at(i + c); // SciPy: the last correlation tap first, then the others in order
      for (let j = len - 1; j >= 1; j--) sum += weights[j] * at(i - j + c);
    }
    out[i] = truncate ? Math.trunc(sum) : sum;
  }
  return out;
}

/** scipy.ndimage.gaussian_filter1d(input, sigma) (order 0, truncate 4, radius ⌊4σ + 0.5⌋). */
export function gaussianFilter1d(input: ArrayLike<number>, sigma: number, mode: BoundaryMode = 'reflect'): number[] {
  if (!(sigma > 0) || !Number.isFinite(sigma))
    fail('gaussianFilter1d', `sigma must be a finite number > 0, got ${sigma}`);
  const radius = Math.floor(4 * sigma + 0.5);
  const w: number[] = [];
  for (let x = -radius; x <= radius; x++) w.push(Math.exp((-0.5 / (sigma * sigma)) * x * x));
  const total = w.reduce((a, b) => a + b, 0);
  return convolve1d(
    input,
    w.map((v) => v / total),
    mode,
  );
}

/** scipy.signal.windows.triang(m). */
export function triang(m: number): number[] {
  const half = Math.floor((m + 1) / 2);
  const w: number[] = [];
  for (let n = 1; n <= half; n++) w.push(m % 2 === 1 ? (2 * n) / (m + 1) : (2 * n - 1) / m);
  const mirror = m % 2 === 1 ? w.slice(0, -1).reverse() : w.slice().reverse();
  return [...w, ...mirror];
}

function checkWindowArgs(fn: string, kernel: unknown, ks: unknown, sigma: unknown): void {
  if (!ldsKernels.includes(kernel as LdsKernel)) {
    fail(fn, `kernel must be one of ${ldsKernels.join(', ')}, got '${String(kernel)}'`);
  }
  if (!Number.isInteger(ks) || (ks as number) < 1) fail(fn, `ks must be an integer ≥ 1, got ${String(ks)}`);
  if (kernel !== 'triang' && (typeof sigma !== 'number' || !(sigma > 0) || !Number.isFinite(sigma))) {
    fail(fn, `sigma must be a finite number > 0, got ${String(sigma)}`);
  }
}

/** The unnormalised window of get_lds_kernel_window (length 2⌊(ks−1)/2⌋+1, or ks for triang). */
function rawWindow(kernel: LdsKernel, ks: number, sigma: number): number[] {
  const half = Math.floor((ks - 1) / 2);
  if (kernel === 'triang') return triang(ks);
  if (kernel === 'gaussian') {
    // gaussian_filter1d of a delta, reflect boundary: mass folds back, not a sampled Gaussian (spec §9.5)
    const delta = new Array<number>(2 * half + 1).fill(0);
    delta[half] = 1;
    return gaussianFilter1d(delta, sigma, 'reflect');
  }
  const out: number[] = [];
  for (let x = -half; x <= half; x++) out.push(Math.exp(-Math.abs(x) / sigma) / (2 * sigma));
  return out;
}

/**
 * LDS kernel window with the official values (spec §1.7): gaussian_filter1d of a delta (reflect,
 * truncate 4) / max; scipy triang(ks) as is; laplace exp(−|x|/σ)/(2σ) / max. Length
 * 2⌊(ks−1)/2⌋+1 (ks for triang), as the official code builds it.
 */
export function ldsKernelWindow(kernel: LdsKernel, ks: number, sigma: number): number[] {
  checkWindowArgs('ldsKernelWindow', kernel, ks, sigma);
  const w = rawWindow(kernel, ks, sigma);
  if (kernel === 'triang') return w; // scipy triang as is (its peak is < 1 for even ks)
  const max = Math.max(...w);
  return w.map((v) => v / max);
}

/** The FDS variant of the window: the same kernels normalised by their sum (spec §1.7, FDS). */
export function fdsKernelWindow(kernel: LdsKernel, ks: number, sigma: number): number[] {
  checkWindowArgs('fdsKernelWindow', kernel, ks, sigma);
  const w = rawWindow(kernel, ks, sigma);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}
