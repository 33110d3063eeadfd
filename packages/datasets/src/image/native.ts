/**
 * Loads the optional native image kernels (native/build/bmse_image.node, built at install by
 * scripts/build-native.mjs): libjpeg-turbo JPEG decoding and Pillow's 8-bit resampling. Absent, unloadable or
 * disabled with BMSE_NO_NATIVE=1: `nativeImage()` is null, `nativeImageStatus()` says why, and sharp / the JS
 * resampler do the same work (identical pixels, tested).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeImage {
  /** RGB pixels as Pillow's `convert('RGB')` gives them, or null when sharp should decode the file instead */
  decodeJpeg(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } | null;
  resizePil8(
    src: Uint8Array,
    w: number,
    h: number,
    channels: number,
    ow: number,
    oh: number,
    bicubic: boolean,
  ): Uint8Array;
  /**
   * The age train/eval transform from JPEG bytes (decode, Resize((size, size)) bilinear, crop at (dy, dx) =
   * (top, left) − padding in the zero-padded image, flip, per-channel LUT) into `out`; false: declined.
   */
  ageSampleInto(
    jpeg: Uint8Array,
    size: number,
    dy: number,
    dx: number,
    flip: boolean,
    lut: Float32Array,
    out: Float32Array,
  ): boolean;
  /** image/spline-rotate.ts rotateOrder2Planes for one plane; geo: [c, s, off0, off1, z^(h−1), z^(w−1)] */
  rotateOrder2Plane(
    src: Uint8Array,
    width: number,
    height: number,
    channels: number,
    flip: boolean,
    geo: Float64Array,
    window: Int32Array,
  ): Uint8Array;
  /** transforms/color.ts toTensorColorNormalize; params: lighting offsets, alphas, ops before/after contrast */
  colorNormalizeInto(
    rgb: Uint8Array,
    out: Float32Array,
    params: Float64Array | null,
    stats: Float64Array,
  ): Float32Array;
}

const addonPath = fileURLToPath(new URL('../../native/build/bmse_image.node', import.meta.url));
let loaded: { addon: NativeImage | null; status: string } | null = null;

function load(): { addon: NativeImage | null; status: string } {
  if (process.env.BMSE_NO_NATIVE === '1') return { addon: null, status: 'disabled (BMSE_NO_NATIVE=1)' };
  if (!fs.existsSync(addonPath))
    return { addon: null, status: `not built (${addonPath} is missing; see scripts/build-native.mjs)` };
  try {
    return { addon: createRequire(import.meta.url)(addonPath) as NativeImage, status: 'libjpeg-turbo + native resize' };
  } catch (e) {
    return { addon: null, status: `cannot be loaded: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The native kernels, or null (sharp decodes, JS resamples). */
export function nativeImage(): NativeImage | null {
  loaded ??= load();
  return loaded.addon;
}

/** One line for logs and benchmarks: what decodes JPEGs in this process. */
export function nativeImageStatus(): string {
  loaded ??= load();
  return loaded.status;
}
