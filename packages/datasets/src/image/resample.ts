/** Pure-JS resampling that mirrors PIL where the official code resizes with PIL (spec §2.3). */
import { nativeImage } from './native.js';

/** Python 3 `round` (half to even), used by the official centre crop. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** PIL NEAREST resize of a single-channel image (ImagingTransformAffine: source coordinate accumulated in steps of in/out from half a step, truncated). */
export function resizeNearest<T extends Uint8Array | Uint16Array | Float32Array>(
  src: T,
  w: number,
  h: number,
  ow: number,
  oh: number,
): T {
  const out = new (src.constructor as { new (n: number): T })(ow * oh);
  const sx = w / ow;
  const sy = h / oh;
  const cols = new Int32Array(ow);
  for (let x = 0, xin = sx * 0.5; x < ow; x++, xin += sx) cols[x] = Math.min(w - 1, Math.trunc(xin));
  for (let y = 0, yin = sy * 0.5; y < oh; y++, yin += sy) {
    const row = Math.min(h - 1, Math.trunc(yin)) * w;
    for (let x = 0; x < ow; x++) out[y * ow + x] = src[row + cols[x]];
  }
  return out;
}

export type PilFilter = 'bilinear' | 'bicubic';
const filters: Record<PilFilter, { support: number; f: (x: number) => number }> = {
  bilinear: { support: 1, f: (x) => Math.max(0, 1 - Math.abs(x)) },
  bicubic: {
    support: 2,
    f: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

/** Per-output-pixel taps of PIL's antialiased 1-D resampling (ImagingResample's precompute_coeffs). */
function coeffs(inSize: number, outSize: number, filter: PilFilter): { start: number[]; w: Float64Array[] } {
  const { support: base, f } = filters[filter];
  const scale = inSize / outSize;
  const fscale = Math.max(scale, 1);
  const support = base * fscale;
  const start: number[] = [];
  const w: Float64Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const k = new Float64Array(hi - lo);
    let sum = 0;
    for (let j = lo; j < hi; j++) {
      const v = f((j - center + 0.5) / fscale);
      k[j - lo] = v;
      sum += v;
    }
    if (sum !== 0) for (let j = 0; j < k.length; j++) k[j] /= sum;
    start.push(lo);
    w.push(k);
  }
  return { start, w };
}

/**
 * PIL-style antialiased resize of a single-channel image (horizontal pass, then vertical).
 * `roundTo8Bit` rounds and clips each pass to 0..255 as PIL does for mode 'L'.
 */
export function resizePil(
  src: ArrayLike<number>,
  w: number,
  h: number,
  ow: number,
  oh: number,
  filter: PilFilter,
  roundTo8Bit = false,
): Float32Array {
  const q = (v: number) => (roundTo8Bit ? Math.min(255, Math.max(0, Math.round(v))) : v);
  const cx = coeffs(w, ow, filter);
  const tmp = new Float32Array(ow * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < ow; x++) {
      const k = cx.w[x];
      const s0 = y * w + cx.start[x];
      let acc = 0;
      for (let j = 0; j < k.length; j++) acc += k[j] * src[s0 + j];
      tmp[y * ow + x] = q(acc);
    }
  const cy = coeffs(h, oh, filter);
  const out = new Float32Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    const k = cy.w[y];
    const y0 = cy.start[y];
    for (let x = 0; x < ow; x++) {
      let acc = 0;
      for (let j = 0; j < k.length; j++) acc += k[j] * tmp[(y0 + j) * ow + x];
      out[y * ow + x] = q(acc);
    }
  }
  return out;
}

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`: taps per output pixel as 22-bit fixed point. */
function coeffs8(
  inSize: number,
  outSize: number,
  filter: PilFilter,
): { ksize: number; bounds: Int32Array; kk: Float64Array } {
  const { support: base, f } = filters[filter];
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = base * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1 / filterscale;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Float64Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = f((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const k = ww !== 0 ? w[x] / ww : w[x];
      // (int)(±0.5 + k · 2^22): round half away from zero
      kk[xx * ksize + x] = Math.trunc(k < 0 ? -0.5 + k * ONE : 0.5 + k * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** Pillow's clip8: fixed-point sum → uint8. */
const INV_ONE = 1 / ONE; // a power of two: v · INV_ONE is exact
const clip8 = (v: number) => (v >= ONE * 256 ? 255 : v <= 0 ? 0 : (v * INV_ONE) | 0);

/**
 * `Image.resize((ow, oh), filter)` of an 8-bit image (mode 'L' with 1 channel, 'RGB' with 3) exactly as Pillow
 * 9.4 computes it (`ImagingResample`, 8 bpc): 22-bit fixed-point taps, a horizontal pass over the rows the
 * vertical pass needs into an 8-bit intermediate, then the vertical pass; a pass is skipped when its size
 * does not change. Interleaved channels in and out.
 */
export function resizePil8(
  src: Uint8Array,
  w: number,
  h: number,
  channels: number,
  ow: number,
  oh: number,
  filter: PilFilter,
): Uint8Array {
  const native = nativeImage();
  if (native) return native.resizePil8(src, w, h, channels, ow, oh, filter === 'bicubic');
  return resizePil8Js(src, w, h, channels, ow, oh, filter);
}

/** resizePil8 in JS: the reference the native kernel is tested against, and the fallback without it. */
export function resizePil8Js(
  src: Uint8Array,
  w: number,
  h: number,
  channels: number,
  ow: number,
  oh: number,
  filter: PilFilter,
): Uint8Array {
  let img = src;
  let iw = w;
  let rows = h;
  let vBounds: Int32Array | null = null;
  let vert: ReturnType<typeof coeffs8> | null = null;
  let first = 0;
  if (oh !== h) {
    vert = coeffs8(h, oh, filter);
    vBounds = vert.bounds.slice();
    first = vBounds[0];
    const last = vBounds[oh * 2 - 2] + vBounds[oh * 2 - 1];
    for (let i = 0; i < oh; i++) vBounds[i * 2] -= first;
    rows = last - first;
  }
  if (ow !== w) {
    const { ksize, bounds, kk } = coeffs8(w, ow, filter);
    const out = new Uint8Array(ow * rows * channels);
    for (let y = 0; y < rows; y++) {
      const rowIn = (y + first) * w * channels;
      const rowOut = y * ow * channels;
      for (let xx = 0; xx < ow; xx++) {
        const p0 = rowIn + bounds[xx * 2] * channels;
        const xmax = bounds[xx * 2 + 1];
        const k0 = xx * ksize;
        const o = rowOut + xx * channels;
        if (channels === 3) {
          let s0 = HALF;
          let s1 = HALF;
          let s2 = HALF;
          for (let x = 0, p = p0; x < xmax; x++, p += 3) {
            const k = kk[k0 + x];
            s0 += src[p] * k;
            s1 += src[p + 1] * k;
            s2 += src[p + 2] * k;
          }
          out[o] = clip8(s0);
          out[o + 1] = clip8(s1);
          out[o + 2] = clip8(s2);
        } else
          for (let c = 0; c < channels; c++) {
            let ss = HALF;
            for (let x = 0; x < xmax; x++) ss += src[p0 + x * channels + c] * kk[k0 + x];
            out[o + c] = clip8(ss);
          }
      }
    }
    img = out;
    iw = ow;
  } else if (first !== 0 || rows !== h) {
    img = src.subarray(first * w * channels, (first + rows) * w * channels);
  }
  if (!vert || !vBounds) return img === src ? src.slice() : img;
  const { ksize, kk } = vert;
  const rowLen = iw * channels;
  const out = new Uint8Array(iw * oh * channels);
  for (let yy = 0; yy < oh; yy++) {
    const ymin = vBounds[yy * 2];
    const ymax = vBounds[yy * 2 + 1];
    const k0 = yy * ksize;
    const o = yy * rowLen;
    const base = ymin * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let ss = HALF;
      for (let y = 0, p = base + i; y < ymax; y++, p += rowLen) ss += img[p] * kk[k0 + y];
      out[o + i] = clip8(ss);
    }
  }
  return out;
}
