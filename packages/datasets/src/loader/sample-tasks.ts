/**
 * One sample of a dataset, from the file(s) to the transformed float arrays: decode (sharp) + the JS transform.
 * A task is plain data (structured-clonable) and the result depends only on the task — the randomness is keyed
 * by (seed, purpose, epoch, index) — so it runs the same on the main thread or in any worker of the pool
 * (loader/worker-pool.ts). This module must not import tfjs: the workers load it.
 */
import { DatasetError } from '../errors.js';
import { decodeGrey, decodeRgb, isJpeg, readBytes } from '../image/decode.js';
import { nativeImage } from '../image/native.js';
import { resizeNearest, resizePil8 } from '../image/resample.js';
import { rngFor, uniform } from '../rng.js';
import { AGE_LUT, ageTransformInto, drawAgeAugment } from '../transforms/age.js';
import { drawColorParams, toTensorColorNormalize } from '../transforms/color.js';
import {
  centerCrop,
  flipRotateCrop,
  flipRotateCropPlanes,
  type GeometryParams,
  scaleShortSide,
} from '../transforms/geometry.js';
import { IMAGENET_STATS } from '../transforms/normalize.js';
import type { OutSlot } from './batch-slabs.js';

/** IMDB-WIKI-DIR / AgeDB-DIR sample (spec §2.1): Resize(S, S) [→ RandomCrop(pad) → HFlip] → Normalize(0.5, 0.5). */
export interface AgeSampleTask {
  kind: 'age';
  file: string;
  /** 1-based CSV line, for errors */
  row?: number;
  size: number;
  padding: number;
  augment: boolean;
  seed: number;
  epoch: number;
  /** position in the split (keys the randomness) */
  index: number;
  /** where the result goes (loader/batch-slabs.ts); a new array when absent */
  out?: OutSlot[];
}

/** NYUD2-DIR sample (spec §2.3): RGB + depth → [x (H·W·3), depth (h·w)]. */
export interface Nyud2SampleTask {
  kind: 'nyud2';
  rgb: string;
  depth: string;
  row?: number;
  shortSide: number;
  /** [H, W] */
  crop: [number, number];
  /** [h, w] */
  depthSize: [number, number];
  augment: boolean;
  maxAngle: number;
  seed: number;
  epoch: number;
  index: number;
  /** where x and depth go (loader/batch-slabs.ts); new arrays when absent */
  out?: OutSlot[];
}

export type SampleTask = AgeSampleTask | Nyud2SampleTask;

/** Metres from a depth PNG: 8-bit (train) v/255·10, 16-bit (test) v/1000 (spec §2.3, `nyu_transform.py` ToTensor). */
export function depthToMetres(v: number, bits: 8 | 16): number {
  return bits === 8 ? (v / 255) * 10 : v / 1000;
}

/** A view of `slot` with `length` floats, or a new array. */
function outArray(slot: OutSlot | undefined, length: number): Float32Array {
  return slot ? new Float32Array(slot.buffer, slot.byteOffset, length) : new Float32Array(length);
}

export async function ageSample(t: AgeSampleTask): Promise<Float32Array> {
  const out = outArray(t.out?.[0], t.size * t.size * 3);
  const src = { file: t.file, row: t.row };
  const aug = t.augment ? drawAgeAugment(rngFor(t.seed, 'age-augment', t.epoch, t.index), t.padding) : null;
  const bytes = await readBytes(src);
  // native: decode (Pillow-equal libjpeg-turbo), Resize((S, S)) bilinear, crop/flip/normalise in one call
  const native = nativeImage();
  const dy = aug ? aug.top - t.padding : 0;
  const dx = aug ? aug.left - t.padding : 0;
  if (native && isJpeg(bytes) && native.ageSampleInto(bytes, t.size, dy, dx, aug?.flip ?? false, AGE_LUT, out))
    return out;
  // otherwise: decode, Resize((S, S)) as PIL BILINEAR (exactly), then crop/flip/normalise in one pass
  const resized = (await decodeRgb(src, { width: t.size, height: t.size }, bytes)).data;
  ageTransformInto(resized, t.size, t.padding, aug, out);
  return out;
}

export async function nyud2Sample(t: Nyud2SampleTask): Promise<{ x: Float32Array; depth: Float32Array }> {
  const [H, W] = t.crop;
  const [dh, dw] = t.depthSize;
  const rgbSrc = { file: t.rgb, row: t.row };
  const depthSrc = { file: t.depth, row: t.row };
  const bytes = await readBytes(rgbSrc);
  const [full, d] = await Promise.all([decodeRgb(rgbSrc, undefined, bytes), decodeGrey(depthSrc)]);
  const size = { width: full.width, height: full.height };
  // Scale: RGB bilinear as PIL (spec §2.3)
  const scaled = scaleShortSide(size.width, size.height, t.shortSide);
  const rgb = { data: resizePil8(full.data, full.width, full.height, 3, scaled.width, scaled.height, 'bilinear') };
  if (d.width !== size.width || d.height !== size.height)
    throw new DatasetError(`depth is ${d.width}x${d.height}, RGB is ${size.width}x${size.height}`, depthSrc);
  // Scale: depth nearest (spec §2.3)
  const dScaled = resizeNearest(d.data, d.width, d.height, scaled.width, scaled.height);
  const rng = rngFor(t.seed, 'nyud2-augment', t.epoch, t.index);
  const geo: GeometryParams = t.augment
    ? { flip: rng() < 0.5, angle: uniform(rng, -t.maxAngle, t.maxAngle) }
    : { flip: false, angle: 0 };
  const depth = outArray(t.out?.[1], dh * dw);
  let rgbCrop: Uint8Array;
  if (d.bits === 8) {
    // RGB and depth share the flip, the rotation's geometry and the crop
    const [rgbOut, dCrop] = flipRotateCropPlanes(
      [
        { data: rgb.data, channels: 3 },
        { data: dScaled, channels: 1 },
      ],
      scaled.width,
      scaled.height,
      geo,
      W,
      H,
    );
    rgbCrop = rgbOut;
    const small = dh === H && dw === W ? dCrop : resizePil8(dCrop, W, H, 1, dw, dh, 'bicubic'); // PIL's default filter
    for (let k = 0; k < depth.length; k++) depth[k] = depthToMetres(small[k], 8);
  } else {
    if (geo.angle !== 0 || geo.flip)
      throw new DatasetError('16-bit depth with training augmentation is not supported', depthSrc);
    rgbCrop = flipRotateCrop(rgb.data, scaled.width, scaled.height, 3, geo, W, H);
    const dCrop = centerCrop(dScaled as Uint16Array, scaled.width, scaled.height, W, H);
    const small = dh === H && dw === W ? dCrop : resizeNearest(dCrop, W, H, dw, dh);
    for (let k = 0; k < depth.length; k++) depth[k] = depthToMetres(small[k], 16);
  }
  // ToTensor → Lighting → ColorJitter → Normalize in two passes
  const x = toTensorColorNormalize(
    rgbCrop,
    outArray(t.out?.[0], rgbCrop.length),
    t.augment ? drawColorParams(rng) : null,
    IMAGENET_STATS,
  );
  return { x, depth };
}

/** Runs a task; the result's arrays are views of `task.out`, or own their whole buffers (a worker transfers those). */
export async function runSampleTask(t: SampleTask): Promise<Float32Array[]> {
  if (t.kind === 'age') return [await ageSample(t)];
  const { x, depth } = await nyud2Sample(t);
  return [x, depth];
}
