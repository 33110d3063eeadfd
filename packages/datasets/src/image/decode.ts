/** Image decoding through sharp (libvips): RGB as interleaved uint8, depth PNGs as uint8 / uint16 single-channel. */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import sharp from 'sharp';
import { DatasetError } from '../errors.js';
import { nativeImage } from './native.js';
import { type PilFilter, resizePil8 } from './resample.js';

export interface RgbImage {
  width: number;
  height: number;
  /** interleaved RGB, row-major, length width·height·3 */
  data: Uint8Array;
}

export interface GreyImage<T extends Uint8Array | Uint16Array = Uint8Array | Uint16Array> {
  width: number;
  height: number;
  bits: 8 | 16;
  data: T;
}

/** Where a sample came from, for error messages. */
export interface SampleSource {
  file: string;
  row?: number;
}

/**
 * The file's bytes; a missing or unreadable file becomes a DatasetError naming it (and the CSV row). A data worker
 * reads synchronously (it has nothing else to do meanwhile, and skips the thread-pool round trips); the main
 * thread does not block.
 */
export async function readBytes(src: SampleSource): Promise<Buffer> {
  try {
    return isMainThread ? await fs.readFile(src.file) : readFileSync(src.file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetError(code === 'ENOENT' ? 'image file is missing' : `cannot read image: ${(e as Error).message}`, {
      ...src,
      cause: e,
    });
  }
}

/** libvips' message on one line: its detail ("VipsJpeg: premature end of JPEG image") may follow on the next one. */
function decodeError(src: SampleSource, e: unknown): DatasetError {
  const msg = (e as Error).message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
  return new DatasetError(`corrupt or truncated image: ${msg}`, { ...src, cause: e });
}

function toRgb(data: Buffer, channels: number, pixels: number): Uint8Array {
  if (channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    const g = data[o];
    out[i * 3] = g;
    out[i * 3 + 1] = channels >= 3 ? data[o + 1] : g;
    out[i * 3 + 2] = channels >= 3 ? data[o + 2] : g;
  }
  return out;
}

/**
 * Decodes an image as RGB (PIL `convert('RGB')`), optionally resized to exactly width×height (aspect not kept)
 * as Pillow's `Image.resize` does it (bilinear by default; image/resample.ts). JPEGs go through the native
 * libjpeg-turbo decoder when it is built (image/native.ts; the decoder Pillow uses), everything else and any
 * JPEG it declines through sharp. `bytes`: the file's contents when already read (`src` then only names it in
 * errors).
 */
export async function decodeRgb(
  src: SampleSource,
  resize?: { width: number; height: number; filter?: PilFilter },
  bytes?: Buffer,
): Promise<RgbImage> {
  bytes ??= await readBytes(src);
  const img = decodeJpegNative(bytes) ?? (await decodeRgbSharp(src, bytes));
  if (!resize || (resize.width === img.width && resize.height === img.height)) return img;
  const data = resizePil8(img.data, img.width, img.height, 3, resize.width, resize.height, resize.filter ?? 'bilinear');
  return { width: resize.width, height: resize.height, data };
}

/** libjpeg-turbo through the native addon; null when it is not built, the bytes are no JPEG, or it declines. */
function decodeJpegNative(bytes: Buffer): RgbImage | null {
  const native = nativeImage();
  return native && isJpeg(bytes) ? native.decodeJpeg(bytes) : null;
}

/** The JPEG signature (SOI marker then another marker). */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** sharp (libvips) decoding: every format, and the error message for a corrupt or truncated file. */
export async function decodeRgbSharp(src: SampleSource, bytes: Buffer): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { failOn: 'truncated' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: toRgb(data, info.channels, info.width * info.height) };
  } catch (e) {
    throw decodeError(src, e);
  }
}

/** Decodes a greyscale PNG at its stored bit depth (8-bit train depth, 16-bit test depth; spec §2.3). */
export async function decodeGrey(src: SampleSource): Promise<GreyImage> {
  const bytes = await readBytes(src);
  try {
    const meta = await sharp(bytes).metadata();
    const sixteen = meta.depth === 'ushort';
    const img = sharp(bytes, { failOn: 'truncated' });
    if (sixteen) {
      const { data, info } = await img
        .toColourspace('grey16')
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      const values = new Uint16Array(info.width * info.height);
      for (let i = 0; i < values.length; i++) values[i] = data.readUInt16LE(i * 2 * info.channels);
      return { width: info.width, height: info.height, bits: 16, data: values };
    }
    // always the first band: raw output of a 1-channel PNG without extractChannel is not 1 byte per pixel
    const { data, info } = await img.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      bits: 8,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (e) {
    throw decodeError(src, e);
  }
}

/** Encoders used by the fixture and synthetic writers. */
export async function encodeRgb(
  img: RgbImage,
  format: 'jpeg' | 'png',
  quality = 95,
  chromaSubsampling: '4:4:4' | '4:2:0' = '4:4:4',
): Promise<Buffer> {
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
  return format === 'jpeg' ? s.jpeg({ quality, chromaSubsampling }).toBuffer() : s.png().toBuffer();
}

export async function encodeGreyPng(img: GreyImage): Promise<Buffer> {
  const s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } });
  return img.bits === 16 ? s.toColourspace('grey16').png().toBuffer() : s.toColourspace('b-w').png().toBuffer();
}
