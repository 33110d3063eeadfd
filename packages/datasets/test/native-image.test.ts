/**
 * The native image kernels (native/bmse_image.c) and the paths without them: JPEG pixels equal Pillow's
 * (golden values from test/golden/make_jpeg_golden.py) whichever decoder runs, files libjpeg-turbo declines go
 * to sharp, and the native Pillow resampling equals the JS one bit for bit.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRgb, decodeRgbSharp } from '../src/image/decode.js';
import { nativeImage, nativeImageStatus } from '../src/image/native.js';
import { resizePil8Js } from '../src/image/resample.js';
import { rotateOrder2Planes, rotateOrder2PlanesJs } from '../src/image/spline-rotate.js';
import { renderAgeImage, rngFor, writeAgeCsv, writeImage, writeSyntheticDepth } from '../src/index.js';
import { AGE_LUT, ageTransformInto } from '../src/transforms/age.js';
import { drawColorParams, toTensorColorNormalize, toTensorColorNormalizeJs } from '../src/transforms/color.js';
import { IMAGENET_STATS } from '../src/transforms/normalize.js';

interface Golden {
  cases: { name: string; jpeg: string; shape: [number, number, number]; rgb: string }[];
}
const golden = JSON.parse(fs.readFileSync(new URL('./golden/jpeg-golden.json', import.meta.url), 'utf8')) as Golden;
const b64 = (s: string) => Buffer.from(s, 'base64');
const native = nativeImage();
// built at install when a C compiler and libjpeg-turbo's headers are there (.ci/run installs libjpeg-dev)
const withNative = describe.skipIf(!native);
if (!native) console.warn(`native image kernels skipped: ${nativeImageStatus()}`);

describe('JPEG decoding equals Pillow (libjpeg-turbo)', () => {
  for (const g of golden.cases) {
    it(`${g.name}: decodeRgb and sharp give Pillow's pixels`, async () => {
      const [h, w] = g.shape;
      const viaDecodeRgb = await decodeRgb({ file: g.name }, undefined, b64(g.jpeg));
      const viaSharp = await decodeRgbSharp({ file: g.name }, b64(g.jpeg));
      for (const img of [viaDecodeRgb, viaSharp]) {
        expect([img.height, img.width]).toEqual([h, w]);
        expect(Buffer.from(img.data).equals(b64(g.rgb))).toBe(true);
      }
    });
  }
});

withNative('native kernels', () => {
  it('are loaded', () => {
    expect(nativeImageStatus()).toBe('libjpeg-turbo + native resize');
  });

  it("decodeJpeg gives Pillow's pixels for every golden case", () => {
    for (const g of golden.cases) {
      const img = native!.decodeJpeg(b64(g.jpeg))!;
      expect([img.height, img.width], g.name).toEqual(g.shape.slice(0, 2));
      expect(Buffer.from(img.data).equals(b64(g.rgb)), g.name).toBe(true);
    }
  });

  it('declines truncated, CMYK and non-JPEG bytes (sharp then decodes or names the file and row)', async () => {
    const jpeg = b64(golden.cases[1].jpeg);
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    expect(native!.decodeJpeg(truncated)).toBeNull();
    await expect(decodeRgb({ file: 'cut.jpg', row: 4 }, undefined, truncated)).rejects.toThrow(
      /cut\.jpg.*row 4|row 4.*cut\.jpg/s,
    );
    const cmyk = await sharp(b64(golden.cases[1].jpeg)).toColourspace('cmyk').jpeg().toBuffer();
    expect(native!.decodeJpeg(cmyk)).toBeNull();
    const viaSharp = await decodeRgb({ file: 'cmyk.jpg' }, undefined, cmyk);
    expect([viaSharp.width, viaSharp.height]).toEqual([17, 13]);
    expect(native!.decodeJpeg(Buffer.from('not a jpeg at all'))).toBeNull();
    expect(() => native!.decodeJpeg('x' as unknown as Uint8Array)).toThrow(/Uint8Array/);
  });

  it('resizePil8 equals the JS reference bit for bit (any size, 1/3/4 channels, both filters)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(1, 3, 4),
        fc.constantFrom('bilinear' as const, 'bicubic' as const),
        fc.nat(),
        (w, h, ow, oh, ch, filter, seed) => {
          const src = Uint8Array.from({ length: w * h * ch }, (_, i) => (i * 53 + seed * 7 + ((i * i) % 11)) % 256);
          const got = native!.resizePil8(src, w, h, ch, ow, oh, filter === 'bicubic');
          const want = resizePil8Js(src, w, h, ch, ow, oh, filter);
          expect(got.length).toBe(ow * oh * ch);
          expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('resizePil8 at the official sizes (IMDB 256→224 RGB, NYUD2 640×480→320×240, depth 304×228→152×114)', () => {
    const cases: [number, number, number, number, number, boolean][] = [
      [256, 256, 3, 224, 224, false],
      [640, 480, 3, 320, 240, false],
      [304, 228, 1, 152, 114, true],
      [150, 180, 3, 224, 224, false],
    ];
    for (const [w, h, ch, ow, oh, bicubic] of cases) {
      const src = Uint8Array.from({ length: w * h * ch }, (_, i) => (i * 131 + (i >> 7)) % 256);
      const got = native!.resizePil8(src, w, h, ch, ow, oh, bicubic);
      const want = resizePil8Js(src, w, h, ch, ow, oh, bicubic ? 'bicubic' : 'bilinear');
      expect(Buffer.from(got).equals(Buffer.from(want)), `${w}x${h}→${ow}x${oh}`).toBe(true);
    }
  });
});

withNative('native age sample (decode + resize + crop/flip/normalise in one call)', () => {
  it('equals sharp + JS resampling + the JS transform for every golden JPEG, size, offset and flip', async () => {
    for (const g of golden.cases) {
      const bytes = b64(g.jpeg);
      const rgb = await decodeRgbSharp({ file: g.name }, bytes);
      for (const size of [5, 13, 17, 24]) {
        const resized = resizePil8Js(rgb.data, rgb.width, rgb.height, 3, size, size, 'bilinear');
        for (const [padding, top, left, flip] of [
          [0, 0, 0, false],
          [2, 0, 4, true],
          [2, 4, 1, false],
          [3, 6, 0, true],
          [8, 16, 16, true],
        ] as const) {
          const want = new Float32Array(size * size * 3);
          ageTransformInto(resized, size, padding, { top, left, flip }, want);
          const got = new Float32Array(size * size * 3).fill(Number.NaN);
          expect(native!.ageSampleInto(bytes, size, top - padding, left - padding, flip, AGE_LUT, got)).toBe(true);
          expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${g.name} ${size} ${top},${left}`).toBe(
            true,
          );
        }
      }
    }
  });

  it('declines what it cannot decode, and checks its arguments', () => {
    const out = new Float32Array(8 * 8 * 3);
    expect(native!.ageSampleInto(Buffer.from('not a jpeg'), 8, 0, 0, false, AGE_LUT, out)).toBe(false);
    expect(() => native!.ageSampleInto(b64(golden.cases[0].jpeg), 8, 0, 0, false, AGE_LUT.subarray(1), out)).toThrow(
      /lut: Float32Array\(768\)/,
    );
    expect(() => native!.ageSampleInto(b64(golden.cases[0].jpeg), 9, 0, 0, false, AGE_LUT, out)).toThrow(/out/);
  });
});

withNative('native order-2 spline rotation', () => {
  it('equals the JS (scipy-exact) rotation bit for bit: sizes around the 50-sample horizon, 1/3 channels, windows, flips', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.constantFrom(1, 3),
        fc.double({ min: -7, max: 7, noNaN: true }),
        fc.boolean(),
        fc.nat(),
        (w, h, ch, angle, flip, seed) => {
          const data = Uint8Array.from({ length: w * h * ch }, (_, i) => (i * 29 + seed + ((i >> 3) % 17) * 11) % 256);
          const left = seed % Math.max(1, w - 1);
          const top = (seed >> 4) % Math.max(1, h - 1);
          const window = { left, top, width: Math.max(0, w - left - (seed % 3)), height: Math.max(0, h - top - 1) };
          for (const win of [undefined, window]) {
            const planes = [{ data, channels: ch }];
            const [got] = rotateOrder2Planes(planes, w, h, angle, { flip, window: win }); // native
            const [want] = rotateOrder2PlanesJs(planes, w, h, angle, { flip, window: win });
            expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a NaN angle gives zeros like the JS; out-of-range windows are refused, not crashed on', () => {
    const data = Uint8Array.from({ length: 6 * 5 * 3 }, (_, i) => (i * 31) % 256);
    const [got] = rotateOrder2Planes([{ data, channels: 3 }], 6, 5, Number.NaN);
    const [want] = rotateOrder2PlanesJs([{ data, channels: 3 }], 6, 5, Number.NaN);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(got.every((v) => v === 0)).toBe(true);
    const geo = Float64Array.of(1, 0, 0, 0, 0, 0);
    expect(() => native!.rotateOrder2Plane(data, 6, 5, 3, false, geo, Int32Array.of(0, 0, 2 ** 30, 2 ** 30))).toThrow(
      /out of range/,
    );
    expect(() => native!.resizePil8(data, 6, 5, 3, 2 ** 30, 2 ** 30, false)).toThrow(/resizePil8/);
  });
});

withNative('native NYUD2 colour augmentation + normalisation', () => {
  it('equals the JS two-pass version bit for bit for any colour parameters and op order (and without augmentation)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 300 }), (seed, pixels) => {
        const rgb = Uint8Array.from({ length: pixels * 3 }, (_, i) => (i * 97 + seed * 13 + (i >> 4)) % 256);
        const params = seed % 5 === 0 ? null : drawColorParams(rngFor(seed, 'colour', 0));
        const got = toTensorColorNormalize(rgb, new Float32Array(rgb.length), params, IMAGENET_STATS); // native
        const want = toTensorColorNormalizeJs(rgb, new Float32Array(rgb.length), params, IMAGENET_STATS);
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('whole loaders with and without the native kernels', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it.skipIf(!native)(
    'give byte-identical batches (IMDB-WIKI-DIR up/down-scaled, NYUD2-DIR train)',
    async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'bmse-native-'));
      dirs.push(root);
      const imdb = path.join(root, 'imdb');
      const rows = Array.from({ length: 9 }, (_, i) => ({
        age: 20 + 7 * i,
        path: `c/${i}.jpg`,
        split: 'train' as const,
      }));
      for (const [i, r] of rows.entries())
        await writeImage(path.join(imdb, r.path), renderAgeImage(r.age, 40, rngFor(2, 'n', i), 12), 'jpeg');
      await writeAgeCsv(path.join(imdb, 'imdb_wiki.csv'), rows);
      const nyu = path.join(root, 'nyu');
      await writeSyntheticDepth(nyu, { seed: 1, nTrain: 5, nTest: 1, width: 160, height: 120, framesPerScene: 2 });
      const here = path.dirname(fileURLToPath(import.meta.url));
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const run = async (env: NodeJS.ProcessEnv) => {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--conditions=source', '--import', tsx, path.join(here, 'fixtures', 'fingerprint.ts'), imdb, nyu],
          { env: { ...process.env, ...env }, timeout: 120_000 },
        );
        return JSON.parse(stdout.trim().split('\n').pop()!) as { decoder: string; sha256: string };
      };
      const [withKernels, without] = await Promise.all([run({}), run({ BMSE_NO_NATIVE: '1' })]);
      expect(withKernels.decoder).toBe('libjpeg-turbo + native resize');
      expect(without.decoder).toMatch(/BMSE_NO_NATIVE/);
      expect(withKernels.sha256).toBe(without.sha256);
    },
    150_000,
  );
});
