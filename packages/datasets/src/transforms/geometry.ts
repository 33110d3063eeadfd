/** Scale, flip → rotate (no reshape, zero outside) → centre crop of interleaved uint8 images (spec §2.3). */
import { pyRound } from '../image/resample.js';
import { type RotatePlane, rotateOrder2Planes } from '../image/spline-rotate.js';

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
 * The official RandomHorizontalFlip → RandomRotate → CenterCrop on an interleaved uint8 image, computed only
 * inside the crop window: `ndimage.rotate(order=2, reshape=False)` (quadratic B-spline, zero outside; see
 * image/spline-rotate.ts) of the flipped image. Angle 0 is a plain flip + crop (what scipy returns for 0°).
 */
export function flipRotateCrop(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  p: GeometryParams,
  cropW: number,
  cropH: number,
): Uint8Array {
  return flipRotateCropPlanes([{ data: src, channels }], width, height, p, cropW, cropH)[0];
}

/** `flipRotateCrop` of several images of the same size with the same parameters (RGB and depth in one pass). */
export function flipRotateCropPlanes(
  planes: readonly RotatePlane[],
  width: number,
  height: number,
  p: GeometryParams,
  cropW: number,
  cropH: number,
): Uint8Array[] {
  const { left, top } = centerCropOrigin(width, height, cropW, cropH);
  if (p.angle !== 0)
    return rotateOrder2Planes(planes, width, height, p.angle, {
      flip: p.flip,
      window: { left, top, width: cropW, height: cropH },
    });
  return planes.map(({ data: src, channels }) => {
    const out = new Uint8Array(cropW * cropH * channels);
    for (let y = 0; y < cropH; y++) {
      const row = (y + top) * width;
      for (let x = 0; x < cropW; x++) {
        const sx = p.flip ? width - 1 - (x + left) : x + left;
        const i = (row + sx) * channels;
        const o = (y * cropW + x) * channels;
        for (let c = 0; c < channels; c++) out[o + c] = src[i + c];
      }
    }
    return out;
  });
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
