/**
 * `scipy.ndimage.rotate(img, angle, reshape=False, order=2)` (mode 'constant', cval 0, prefilter on), as the
 * official NYUD2 train transform calls it on the uint8 arrays of the RGB and depth PIL images (spec §2.3,
 * `nyud2-dir/nyu_transform.py` RandomRotate). Mirrors scipy 1.6–1.10 (`ndimage/_interpolation.py` rotate +
 * affine_transform, `src/ni_splines.c`, `src/ni_interpolation.c`) operation for operation, so that the uint8
 * output is the same:
 *
 * - cos/sin from cephes `cosdg`/`sindg` (what `scipy.special.cosdg` computes; `Math.cos(deg·π/180)` differs in
 *   the last bit for about a quarter of the angles in ±5°);
 * - matrix [[c, s], [−s, c]] mapping output (row, col) to input, offset = in_center − matrix·out_center;
 * - prefilter: quadratic B-spline (pole √8 − 3) along axis 0 then axis 1 in float64, with mirror boundary
 *   initialisation — 'constant' is prefiltered as 'mirror';
 * - interpolation: a point whose source coordinate lies outside [0, len − 1] on either axis is cval (0);
 *   inside, the 3×3 taps that fall off the edge read mirror-extended coefficients (scipy ≥ 1.6 'constant';
 *   'grid-constant' would pad with cval instead);
 * - each channel of an H×W×C array is rotated as its own plane (scipy ≥ 1.6 loops over the planes);
 * - uint8 output: t > 0 ? trunc(min(t + 0.5, 255)) : 0.
 */

import { nativeImage } from './native.js';

// cephes sindg.c coefficients (as the doubles their decimal literals round to)
const SINCOF = [
  1.5896230157221844e-10, -2.5050747762850355e-8, 2.7557313621385676e-6, -1.984126982958954e-4, 8.333333333322118e-3,
  -1.666666666666663e-1,
];
const COSCOF = [
  1.1367817138204455e-11, -2.0875883375768363e-9, 2.7557315542981663e-7, -2.480158729361863e-5, 1.3888888888880667e-3,
  -4.166666666666664e-2, 0.5,
];
const PI180 = 0.017453292519943295; // 1.74532925199432957692E-2

function polevl(x: number, coef: readonly number[]): number {
  let r = coef[0];
  for (let i = 1; i < coef.length; i++) r = r * x + coef[i];
  return r;
}

function trigDeg(deg: number, cosine: boolean): number {
  let sign = 1;
  let x = deg;
  if (x < 0) {
    x = -x;
    if (!cosine) sign = -1;
  }
  if (x > 1e14) return 0; // cephes: total loss of precision
  let y = Math.floor(x / 45);
  let j = y - Math.floor(y / 16) * 16;
  if (j & 1) {
    j += 1;
    y += 1;
  }
  j &= 7;
  if (j > 3) {
    sign = -sign;
    j -= 4;
  }
  if (cosine && j > 1) sign = -sign;
  const z = (x - y * 45) * PI180;
  const zz = z * z;
  const sinPoly = (j === 1 || j === 2) === cosine;
  const r = sinPoly ? z + z * (zz * polevl(zz, SINCOF)) : 1 - zz * polevl(zz, COSCOF);
  return sign < 0 ? -r : r;
}

/** `scipy.special.cosdg` (cephes): cosine of an angle in degrees. */
export const cosdg = (deg: number): number => trigDeg(deg, true);
/** `scipy.special.sindg` (cephes): sine of an angle in degrees. */
export const sindg = (deg: number): number => trigDeg(deg, false);

/** Pole of the quadratic B-spline prefilter: √8 − 3. */
const Z = -0.1715728752538099; // √8 − 3 = -0.171572875253809902…
const GAIN = (1 - Z) * (1 - 1 / Z);

/**
 * Lines longer than this start the causal recursion from the first HORIZON terms of the mirror sum: the rest
 * weigh |z|^i < 1e-38 (and z^(n−1) < 1e-38), below half an ulp of any sum they join, so the coefficients are
 * the same doubles as scipy's full sum except when a line is all zeros up to there (then they differ by < 1e-38,
 * which no uint8 output can see). Shorter lines use the full sum, as scipy.
 */
const HORIZON = 50;

/**
 * In place: scipy's `spline_filter(order=2, mode='mirror')` of every channel plane of an interleaved
 * height×width×channels float64 image (axis 0 = rows, then axis 1 = columns). Lines of length 1 are left alone.
 */
export function splineFilterOrder2(c: Float64Array, width: number, height: number, channels: number): void {
  prefilter(c, width, height, channels, false);
}

/** A float64 scratch buffer per size class, reused across calls (everything here is synchronous). */
const scratch = new Map<string, Float64Array>();
function buffer(tag: string, n: number): Float64Array {
  let b = scratch.get(tag);
  if (!b || b.length < n) {
    b = new Float64Array(n);
    scratch.set(tag, b);
  }
  return b.length === n ? b : b.subarray(0, n);
}

/**
 * The prefilter. `gained`: the caller already multiplied every value by the axis-0 gain (done while copying
 * from uint8, the same single rounding as scipy's separate pass). The axis-1 gain is applied as the axis-0
 * backward pass stores each row, with the recursion itself running on the un-gained values as in scipy.
 */
function prefilter(c: Float64Array, width: number, height: number, channels: number, gained: boolean): void {
  const rowLen = width * channels;
  if (height > 1) {
    if (!gained) scaleAll(c, GAIN);
    filterColumns(c, rowLen, height, width > 1 ? GAIN : 1);
  } else if (width > 1) scaleAll(c, GAIN);
  if (width > 1) for (let y = 0; y < height; y++) filterRow(c, y * rowLen, width, channels);
}

function scaleAll(c: Float64Array, g: number): void {
  for (let k = 0; k < c.length; k++) c[k] *= g;
}

/**
 * Axis 0: every column of every channel is a line of length `n` with stride rowLen; the recursions run over all
 * lines at once, row by row (the same arithmetic per line, cache friendly). The rows are stored × `gainNext`
 * (the next axis's gain) as the backward pass finishes them, while the recursion goes on with the un-gained
 * values, as scipy's separate passes do.
 */
function filterColumns(c: Float64Array, rowLen: number, n: number, gainNext: number): void {
  const last = (n - 1) * rowLen;
  const acc = buffer('acc', rowLen);
  let den = 1;
  if (n <= HORIZON) {
    // _init_causal_mirror
    const zn1 = Z ** (n - 1);
    for (let k = 0; k < rowLen; k++) acc[k] = c[k] + zn1 * c[last + k];
    let zi = Z;
    for (let i = 1; i < n - 1; i++) {
      addRow(acc, c, i * rowLen, (n - 1 - i) * rowLen, zi, zn1, rowLen);
      zi *= Z;
    }
    den = 1 - zn1 * zn1;
  } else {
    for (let k = 0; k < rowLen; k++) acc[k] = c[k];
    let zi = Z;
    for (let i = 1; i < HORIZON; i++) {
      addRowShort(acc, c, i * rowLen, zi, rowLen);
      zi *= Z;
    }
  }
  for (let k = 0; k < rowLen; k++) c[k] = acc[k] / den;
  for (let i = 1; i < n; i++) forwardRow(c, i * rowLen, rowLen);
  // _init_anticausal_mirror, then the backward pass; `next` keeps the un-gained row below
  const prev = (n - 2) * rowLen;
  const den2 = Z * Z - 1;
  const next = acc;
  for (let k = 0; k < rowLen; k++) {
    const v = ((Z * c[prev + k] + c[last + k]) * Z) / den2;
    next[k] = v;
    c[last + k] = v * gainNext;
  }
  for (let i = n - 2; i >= 0; i--) backwardRow(c, next, i * rowLen, rowLen, gainNext);
}

function addRow(acc: Float64Array, c: Float64Array, a: number, b: number, zi: number, zn1: number, len: number): void {
  for (let k = 0; k < len; k++) acc[k] += zi * (c[a + k] + zn1 * c[b + k]);
}

function addRowShort(acc: Float64Array, c: Float64Array, a: number, zi: number, len: number): void {
  for (let k = 0; k < len; k++) acc[k] += zi * c[a + k];
}

function forwardRow(c: Float64Array, a: number, len: number): void {
  const p = a - len;
  for (let k = 0; k < len; k++) c[a + k] += Z * c[p + k];
}

function backwardRow(c: Float64Array, next: Float64Array, a: number, len: number, g: number): void {
  for (let k = 0; k < len; k++) {
    const v = Z * (next[k] - c[a + k]);
    next[k] = v;
    c[a + k] = v * g;
  }
}

/** Axis 1 on one row (already × its gain): each channel is a line of length n with stride s, filtered together. */
function filterRow(c: Float64Array, o: number, n: number, s: number): void {
  const end = o + (n - 1) * s;
  for (let ch = 0; ch < s; ch++) {
    let c0: number;
    let den = 1;
    if (n <= HORIZON) {
      const zn1 = Z ** (n - 1);
      c0 = c[o + ch] + zn1 * c[end + ch];
      let zi = Z;
      for (let i = 1; i < n - 1; i++) {
        c0 += zi * (c[o + i * s + ch] + zn1 * c[o + (n - 1 - i) * s + ch]);
        zi *= Z;
      }
      den = 1 - zn1 * zn1;
    } else {
      c0 = c[o + ch];
      let zi = Z;
      for (let i = 1; i < HORIZON; i++) {
        c0 += zi * c[o + i * s + ch];
        zi *= Z;
      }
    }
    c[o + ch] = c0 / den;
  }
  for (let k = o + s; k <= end + s - 1; k++) c[k] += Z * c[k - s];
  const den2 = Z * Z - 1;
  for (let ch = 0; ch < s; ch++) c[end + ch] = ((Z * c[end - s + ch] + c[end + ch]) * Z) / den2;
  for (let k = end - 1; k >= o; k--) c[k] = Z * (c[k + s] - c[k]);
}

/** scipy's uint8 store: t > 0 ? trunc(min(t + 0.5, 255)) : 0. */
function toUint8(t: number): number {
  return t > 0 ? (t < 254.5 ? (t + 0.5) | 0 : 255) : 0;
}

export interface RotateWindow {
  /** first output column / row evaluated */
  left: number;
  top: number;
  width: number;
  height: number;
}

/** One image of `rotateOrder2Planes`: interleaved uint8 (or any integer-valued array) with `channels` channels. */
export interface RotatePlane {
  data: ArrayLike<number>;
  channels: number;
}

/**
 * `ndimage.rotate(src, angle, reshape=False, order=2)` of an interleaved height×width×channels uint8 image,
 * evaluated only on `window` of the output (default: all of it), optionally of the horizontally flipped image
 * (`flip`: PIL FLIP_LEFT_RIGHT before the rotation, as the official RandomHorizontalFlip → RandomRotate).
 * Returns window.height×window.width×channels uint8.
 */
export function rotateOrder2(
  src: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  angle: number,
  opts: { window?: RotateWindow; flip?: boolean } = {},
): Uint8Array {
  return rotateOrder2Planes([{ data: src, channels }], width, height, angle, opts)[0];
}

/**
 * `rotateOrder2` of several images of the same size by the same angle and flip (the NYUD2 RGB and depth), with
 * the scratch buffers shared.
 */
export function rotateOrder2Planes(
  planes: readonly RotatePlane[],
  width: number,
  height: number,
  angle: number,
  opts: { window?: RotateWindow; flip?: boolean } = {},
): Uint8Array[] {
  const native = nativeImage();
  if (!native || !planes.every((p) => p.data instanceof Uint8Array))
    return rotateOrder2PlanesJs(planes, width, height, angle, opts);
  // the same doubles as below: cos/sin, offsets and z^(n−1) computed here, the rest in C (native/bmse_image.c)
  const { c, s, off0, off1 } = rotationGeometry(width, height, angle);
  const geo = Float64Array.of(c, s, off0, off1, Z ** (height - 1), Z ** (width - 1));
  const win = opts.window ?? { left: 0, top: 0, width, height };
  const window = Int32Array.of(win.left, win.top, win.width, win.height);
  return planes.map((p) =>
    native.rotateOrder2Plane(p.data as Uint8Array, width, height, p.channels, opts.flip ?? false, geo, window),
  );
}

/** cos/sin in degrees as scipy, and offset = in_center − [[c, s], [−s, c]] @ out_center (reshape=False). */
function rotationGeometry(width: number, height: number, angle: number) {
  const c = cosdg(angle);
  const s = sindg(angle);
  const h2 = (height - 1) / 2;
  const w2 = (width - 1) / 2;
  return { c, s, off0: h2 - (c * h2 + s * w2), off1: w2 - (-s * h2 + c * w2) };
}

/** rotateOrder2Planes in JS: the reference the native kernel is tested against, and the fallback without it. */
export function rotateOrder2PlanesJs(
  planes: readonly RotatePlane[],
  width: number,
  height: number,
  angle: number,
  opts: { window?: RotateWindow; flip?: boolean } = {},
): Uint8Array[] {
  const win = opts.window ?? { left: 0, top: 0, width, height };
  // float64 copies × the axis-0 gain (flipped when asked), then the prefilter
  const coefs = planes.map((p, n) => {
    const ch = p.channels;
    const rowLen = width * ch;
    const coef = buffer(`plane${n}`, height * rowLen);
    const src = p.data;
    const g = height > 1 ? GAIN : 1;
    if (opts.flip) {
      for (let y = 0; y < height; y++) {
        const row = y * rowLen;
        // pixel x of the flipped row is pixel width-1-x of the source row
        for (let d = row, s = row + rowLen - ch; d < row + rowLen; d += ch, s -= ch)
          for (let k = 0; k < ch; k++) coef[d + k] = src[s + k] * g;
      }
    } else for (let k = 0; k < coef.length; k++) coef[k] = src[k] * g;
    prefilter(coef, width, height, ch, true);
    return coef;
  });
  const geo = rotationGeometry(width, height, angle);
  const outs = planes.map((p, n) => evalPlane(coefs[n], p.channels, width, height, win, geo));
  return outs;
}

/** The rotated window of one prefiltered plane (see rotateOrder2Planes). */
function evalPlane(
  coef: Float64Array,
  ch: number,
  width: number,
  height: number,
  win: RotateWindow,
  g: { c: number; s: number; off0: number; off1: number },
): Uint8Array {
  const { c, s, off0, off1 } = g;
  const out = new Uint8Array(win.width * win.height * ch);
  const mirror = (idx: number, len: number) => (len <= 1 ? 0 : idx < 0 ? -idx : idx >= len ? 2 * len - 2 - idx : idx);
  const maxY = height - 1;
  const maxX = width - 1;
  const rowLen = width * ch;
  for (let oy = 0; oy < win.height; oy++) {
    const i = oy + win.top;
    let o = oy * win.width * ch;
    for (let ox = 0; ox < win.width; ox++, o += ch) {
      const j = ox + win.left;
      const cy = i * c + j * s + off0;
      const cx = i * -s + j * c + off1;
      if (cy < 0 || cy > maxY || cx < 0 || cx > maxX) continue; // cval 0
      const fy = Math.floor(cy + 0.5);
      const fx = Math.floor(cx + 0.5);
      const dy = cy - fy;
      const dx = cx - fx;
      const wy1 = 0.75 - dy * dy;
      const ty = 0.5 - dy;
      const wy0 = 0.5 * ty * ty;
      const wy2 = 1 - wy0 - wy1;
      const wx1 = 0.75 - dx * dx;
      const tx = 0.5 - dx;
      const wx0 = 0.5 * tx * tx;
      const wx2 = 1 - wx0 - wx1;
      // the 3×3 taps; those off the edge read the mirrored coefficient
      let r0 = (fy - 1) * rowLen;
      let r1 = fy * rowLen;
      let r2 = (fy + 1) * rowLen;
      if (fy < 1 || fy >= maxY) {
        r0 = mirror(fy - 1, height) * rowLen;
        r1 = mirror(fy, height) * rowLen;
        r2 = mirror(fy + 1, height) * rowLen;
      }
      let c0 = (fx - 1) * ch;
      let c1 = fx * ch;
      let c2 = (fx + 1) * ch;
      if (fx < 1 || fx >= maxX) {
        c0 = mirror(fx - 1, width) * ch;
        c1 = mirror(fx, width) * ch;
        c2 = mirror(fx + 1, width) * ch;
      }
      const a0 = r0 + c0;
      const a1 = r0 + c1;
      const a2 = r0 + c2;
      const b0 = r1 + c0;
      const b1 = r1 + c1;
      const b2 = r1 + c2;
      const d0 = r2 + c0;
      const d1 = r2 + c1;
      const d2 = r2 + c2;
      // Σ_a Σ_b (coef · wy[a]) · wx[b] per channel, accumulated in scipy's order
      if (ch === 1) {
        let t = 0;
        t += coef[a0] * wy0 * wx0;
        t += coef[a1] * wy0 * wx1;
        t += coef[a2] * wy0 * wx2;
        t += coef[b0] * wy1 * wx0;
        t += coef[b1] * wy1 * wx1;
        t += coef[b2] * wy1 * wx2;
        t += coef[d0] * wy2 * wx0;
        t += coef[d1] * wy2 * wx1;
        t += coef[d2] * wy2 * wx2;
        out[o] = toUint8(t);
        continue;
      }
      for (let k = 0; k < ch; k++) {
        let t = 0;
        t += coef[a0 + k] * wy0 * wx0;
        t += coef[a1 + k] * wy0 * wx1;
        t += coef[a2 + k] * wy0 * wx2;
        t += coef[b0 + k] * wy1 * wx0;
        t += coef[b1 + k] * wy1 * wx1;
        t += coef[b2 + k] * wy1 * wx2;
        t += coef[d0 + k] * wy2 * wx0;
        t += coef[d1 + k] * wy2 * wx1;
        t += coef[d2 + k] * wy2 * wx2;
        out[o + k] = toUint8(t);
      }
    }
  }
  return out;
}
