/** Pure-JS resampling that mirrors PIL where the official code resizes with PIL (spec §2.3). */

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
