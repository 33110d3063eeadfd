import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resizeNearest, resizePil } from '../src/image/resample.js';
import { rngFor } from '../src/rng.js';
import { ageTransformInto, drawAgeAugment } from '../src/transforms/age.js';
import {
  brightnessInPlace,
  colorInPlace,
  contrastInPlace,
  drawColorParams,
  lightingInPlace,
  saturationInPlace,
  toTensorColorNormalize,
} from '../src/transforms/color.js';
import { centerCropOrigin, flipRotateCrop, scaleShortSide } from '../src/transforms/geometry.js';
import { IMAGENET_STATS, normalizeInPlace } from '../src/transforms/normalize.js';

/** 4×4 RGB image whose R channel is 10·(4y + x), G = 255 − R, B = 7. */
function img4(): Uint8Array {
  const d = new Uint8Array(4 * 4 * 3);
  for (let p = 0; p < 16; p++) d.set([10 * p, 255 - 10 * p, 7], p * 3);
  return d;
}
const red = (x: Float32Array) => Array.from({ length: x.length / 3 }, (_, i) => x[i * 3]);

describe('age transform (spec §2.1)', () => {
  it('eval: ToTensor + Normalize(0.5, 0.5)', () => {
    const out = new Float32Array(48);
    ageTransformInto(img4(), 4, 1, null, out);
    expect(out[0]).toBeCloseTo(-1, 6);
    expect(out[1]).toBeCloseTo(1, 6);
    expect(out[2]).toBeCloseTo(7 / 127.5 - 1, 6);
    expect(out[3 * 5]).toBeCloseTo(50 / 127.5 - 1, 6);
  });

  it('train: zero-padded random crop then horizontal flip', () => {
    const out = new Float32Array(48);
    // padding 1, crop origin (top 0, left 2) in the padded image: shift up-left by (−1, +1)
    ageTransformInto(img4(), 4, 1, { top: 0, left: 2, flip: false }, out);
    const r = red(out).map((v) => Math.round((v + 1) * 127.5));
    expect(r).toEqual([0, 0, 0, 0, 10, 20, 30, 0, 50, 60, 70, 0, 90, 100, 110, 0]);
    ageTransformInto(img4(), 4, 1, { top: 2, left: 1, flip: true }, out);
    expect(red(out).map((v) => Math.round((v + 1) * 127.5))).toEqual([
      70, 60, 50, 40, 110, 100, 90, 80, 150, 140, 130, 120, 0, 0, 0, 0,
    ]);
  });

  it('equals torchvision order done step by step (pad, crop, flip, normalise) for any size, offset and flip', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        fc.nat(),
        (size, padding, augment, flip, seed) => {
          const img = Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * 37 + seed) % 256);
          const top = seed % (2 * padding + 1);
          const left = Math.floor(seed / 7) % (2 * padding + 1);
          const aug = augment ? { top, left, flip } : null;
          const out = new Float32Array(size * size * 3 + 5).fill(Number.NaN);
          ageTransformInto(img, size, padding, aug, out, 5);
          const padded = (y: number, x: number, c: number) => {
            const sy = y - padding;
            const sx = x - padding;
            return sy < 0 || sy >= size || sx < 0 || sx >= size ? 0 : img[(sy * size + sx) * 3 + c];
          };
          for (let y = 0; y < size; y++)
            for (let x = 0; x < size; x++)
              for (let c = 0; c < 3; c++) {
                const cx = aug?.flip ? size - 1 - x : x;
                const v = aug ? padded(y + top, cx + left, c) : img[(y * size + x) * 3 + c];
                expect(out[5 + (y * size + x) * 3 + c]).toBe(Math.fround((v / 255 - 0.5) / 0.5));
              }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('draws crop offsets in [0, 2·padding] and both flips, deterministically', () => {
    const draws = Array.from({ length: 200 }, (_, i) => drawAgeAugment(rngFor(1, 'a', i), 16));
    expect(Math.min(...draws.map((d) => d.top))).toBe(0);
    expect(Math.max(...draws.map((d) => d.left))).toBe(32);
    expect(draws.filter((d) => d.flip).length).toBeGreaterThan(70);
    expect(drawAgeAugment(rngFor(1, 'a', 5), 16)).toEqual(draws[5]);
  });
});

describe('NYUD2 geometry (spec §2.3)', () => {
  it('Scale(240) and CenterCrop use the official sizes', () => {
    expect(scaleShortSide(640, 480, 240)).toEqual({ width: 320, height: 240 });
    expect(scaleShortSide(100, 300, 240)).toEqual({ width: 240, height: 720 });
    expect(scaleShortSide(320, 240, 240)).toEqual({ width: 320, height: 240 });
    expect(centerCropOrigin(320, 240, 304, 228)).toEqual({ left: 8, top: 6 });
    expect(centerCropOrigin(5, 5, 2, 2)).toEqual({ left: 2, top: 2 }); // round(1.5) = 2
    expect(centerCropOrigin(7, 7, 2, 2)).toEqual({ left: 2, top: 2 }); // round(2.5) = 2 (half to even)
  });

  it('angle 0: plain centre crop; flip mirrors; 90° rotates exactly', () => {
    const src = img4();
    const crop = flipRotateCrop(src, 4, 4, 3, { flip: false, angle: 0 }, 2, 2);
    expect(Array.from(crop.filter((_, i) => i % 3 === 0))).toEqual([50, 60, 90, 100]);
    const flipped = flipRotateCrop(src, 4, 4, 3, { flip: true, angle: 0 }, 4, 1);
    expect(Array.from(flipped.filter((_, i) => i % 3 === 0))).toEqual([110, 100, 90, 80]);
    const rot = flipRotateCrop(src, 4, 4, 3, { flip: false, angle: 90 }, 4, 4);
    // counter-clockwise: the top row becomes the right-most column read upwards
    expect(Array.from(rot.filter((_, i) => i % 3 === 0)).slice(0, 4)).toEqual([30, 70, 110, 150]);
  });

  it('small angles keep a flat image flat (order-2 spline) and fill outside with 0', () => {
    const flat = new Uint8Array(10 * 10).fill(200);
    const rot = flipRotateCrop(flat, 10, 10, 1, { flip: false, angle: 5 }, 10, 10);
    expect(rot[5 * 10 + 5]).toBe(200);
    expect(rot[0]).toBe(0); // corner rotates out of the source
  });
});

describe('PIL-compatible resampling', () => {
  // values from Pillow 9.4: Image.fromarray(arange(48).reshape(6, 8) * 5, 'L').resize((4, 3), filter)
  const a = Uint8Array.from({ length: 48 }, (_, i) => i * 5);
  it('bicubic (the default filter) and bilinear', () => {
    expect(Array.from(resizePil(a, 8, 6, 4, 3, 'bicubic', true))).toEqual([
      25, 34, 45, 54, 103, 112, 123, 132, 181, 190, 201, 210,
    ]);
    expect(Array.from(resizePil(a, 8, 6, 4, 3, 'bilinear', true))).toEqual([
      33, 42, 52, 60, 104, 113, 123, 131, 175, 184, 194, 202,
    ]);
  });
  it('nearest, down and up', () => {
    expect(Array.from(resizeNearest(a, 8, 6, 4, 3))).toEqual([45, 55, 65, 75, 125, 135, 145, 155, 205, 215, 225, 235]);
    expect(Array.from(resizeNearest(a, 8, 6, 12, 9).slice(0, 12))).toEqual([
      0, 5, 5, 10, 10, 15, 20, 25, 25, 30, 35, 35,
    ]);
  });
});

describe('NYUD2 colour augmentation', () => {
  const px = () => Float32Array.from([0.2, 0.4, 0.6, 1, 0, 0]);
  it('lighting adds the PCA offset per channel', () => {
    const x = px();
    lightingInPlace(x, [0.1, 0, 0]);
    expect(x[0]).toBeCloseTo(0.2 + -0.5675 * 0.1 * 0.2175, 6);
    expect(x[4]).toBeCloseTo(0 + -0.5808 * 0.1 * 0.2175, 6);
  });
  it('brightness, contrast and saturation lerp towards 0, the mean grey and the pixel grey', () => {
    const b = px();
    brightnessInPlace(b, 0.25);
    expect(b[2]).toBeCloseTo(0.45, 6);
    const c = px();
    contrastInPlace(c, 0.5);
    const g0 = 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6;
    const mean = (g0 + 0.299) / 2;
    expect(c[0]).toBeCloseTo(0.2 + 0.5 * (mean - 0.2), 6);
    const s = px();
    saturationInPlace(s, -0.4);
    expect(s[3]).toBeCloseTo(1 - 0.4 * (0.299 - 1), 6);
  });
  it('the two-pass ToTensor → colour → Normalize is bit-identical to the op-by-op version, for every order', () => {
    const rgb = Uint8Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 97 + 13) % 256);
    const orders = new Set<string>();
    for (let k = 0; k < 40; k++) {
      const p = drawColorParams(rngFor(7, 'colour', k));
      orders.add(p.order.join(''));
      const ref = Float32Array.from(rgb, (v) => v / 255);
      colorInPlace(ref, p);
      normalizeInPlace(ref, IMAGENET_STATS);
      const fused = toTensorColorNormalize(rgb, new Float32Array(rgb.length), p, IMAGENET_STATS);
      expect(Buffer.from(fused.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    }
    expect(orders.size).toBe(6);
    const plain = Float32Array.from(rgb, (v) => v / 255);
    normalizeInPlace(plain, IMAGENET_STATS);
    const noColour = toTensorColorNormalize(rgb, new Float32Array(rgb.length), null, IMAGENET_STATS);
    expect(Buffer.from(noColour.buffer).equals(Buffer.from(plain.buffer))).toBe(true);
  });

  it('ImageNet normalisation', () => {
    const x = Float32Array.from([0.485, 0.456, 0.406, 1, 1, 1]);
    normalizeInPlace(x, IMAGENET_STATS);
    for (const v of x.slice(0, 3)) expect(Math.abs(v)).toBeLessThan(1e-6);
    expect(x[3]).toBeCloseTo((1 - 0.485) / 0.229, 5);
  });
});
