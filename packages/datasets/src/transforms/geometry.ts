/** Flip → rotate (no reshape, zero outside) → centre crop, fused into one pass over interleaved uint8 images (spec §2.3). */
import { pyRound } from '../image/resample.js';

/** Output size of the official `Scale(size)`: the short side becomes `size`, the other int(size·long/short). */
export function scaleShortSide(width: number, height: number, size: number): { width: number; height: number } {
  if ((width <= height && width === size) || (height <= width && height === size)) return { width, height };
  return width < height
    ? { width: size, height: Math.trunc((size * height) / width) }
    : { width: Math.trunc((size * width) / height), height: size };
}

/** Top-left corner of the official CenterCrop (Python round). */
export function centerCropOrigin(
  width: number,
  height: number,
  cropW: number,
  cropH: number,
): { left: number; top: number } {
  return { left: pyRound((width - cropW) / 2), top: pyRound((height - cropH) / 2) };
}

export interface GeometryParams {
  flip: boolean;
  /** degrees, counter-clockwise on screen */
  angle: number;
}

/**
 * Samples the flipped, rotated image (rotation about the centre, output the size of the input, as
 * `ndimage.rotate(reshape=False)`) inside the centred crop window. Bilinear interpolation (`linear`)
 * or nearest; points outside the source are 0. The official code rotates with a 2nd-order spline.
 */
export function flipRotateCrop(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  p: GeometryParams,
  cropW: number,
  cropH: number,
  interp: 'linear' | 'nearest' = 'linear',
): Uint8Array {
  const out = new Uint8Array(cropW * cropH * channels);
  const { left, top } = centerCropOrigin(width, height, cropW, cropH);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const rad = (p.angle * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const eps = 1e-6;
  for (let oy = 0; oy < cropH; oy++) {
    const ry = oy + top - cy;
    for (let ox = 0; ox < cropW; ox++) {
      const rx = ox + left - cx;
      // inverse rotation: where this output pixel comes from in the flipped image
      let sx = cos * rx - sin * ry + cx;
      const sy = sin * rx + cos * ry + cy;
      if (p.flip) sx = width - 1 - sx;
      const o = (oy * cropW + ox) * channels;
      if (sx < -eps || sy < -eps || sx > width - 1 + eps || sy > height - 1 + eps) continue;
      if (interp === 'nearest') {
        const i =
          (Math.min(height - 1, Math.max(0, Math.round(sy))) * width +
            Math.min(width - 1, Math.max(0, Math.round(sx)))) *
          channels;
        for (let c = 0; c < channels; c++) out[o + c] = src[i + c];
        continue;
      }
      const x0 = Math.min(width - 1, Math.max(0, Math.floor(sx)));
      const y0 = Math.min(height - 1, Math.max(0, Math.floor(sy)));
      const x1 = Math.min(width - 1, x0 + 1);
      const y1 = Math.min(height - 1, y0 + 1);
      const fx = Math.min(1, Math.max(0, sx - x0));
      const fy = Math.min(1, Math.max(0, sy - y0));
      const i00 = (y0 * width + x0) * channels;
      const i01 = (y0 * width + x1) * channels;
      const i10 = (y1 * width + x0) * channels;
      const i11 = (y1 * width + x1) * channels;
      for (let c = 0; c < channels; c++) {
        const top0 = src[i00 + c] + (src[i01 + c] - src[i00 + c]) * fx;
        const bot0 = src[i10 + c] + (src[i11 + c] - src[i10 + c]) * fx;
        out[o + c] = Math.round(top0 + (bot0 - top0) * fy);
      }
    }
  }
  return out;
}

/** Centre crop of a single-channel image of any element type. */
export function centerCrop<T extends Uint8Array | Uint16Array>(
  src: T,
  width: number,
  height: number,
  cropW: number,
  cropH: number,
): T {
  const { left, top } = centerCropOrigin(width, height, cropW, cropH);
  const out = new (src.constructor as { new (n: number): T })(cropW * cropH);
  for (let y = 0; y < cropH; y++)
    out.set(src.subarray((y + top) * width + left, (y + top) * width + left + cropW), y * cropW);
  return out;
}
