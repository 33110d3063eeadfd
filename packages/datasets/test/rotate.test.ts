/**
 * The NYUD2 train rotation against scipy 1.10 (`ndimage.rotate(reshape=False, order=2)`), golden values from
 * test/golden/make_rotate_golden.py (run by hand; CI reads the JSON).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cosdg, rotateOrder2, sindg } from '../src/image/spline-rotate.js';
import { flipRotateCrop, flipRotateCropPlanes } from '../src/transforms/geometry.js';

interface Golden {
  trig: { deg: number; cos: number; sin: number }[];
  rotate: { name: string; shape: number[]; angle: number; input: string; output: string }[];
  chain: {
    flip: boolean;
    angle: number;
    size: [number, number];
    crop: [number, number];
    rgb: string;
    depth: string;
    rgbOut: string;
    depthOut: string;
  }[];
}

const golden = JSON.parse(fs.readFileSync(new URL('./golden/rotate-golden.json', import.meta.url), 'utf8')) as Golden;
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('scipy.special.cosdg / sindg (cephes)', () => {
  it('bit-identical to scipy for every golden angle', () => {
    for (const t of golden.trig) {
      expect(cosdg(t.deg)).toBe(t.cos);
      expect(sindg(t.deg)).toBe(t.sin);
    }
  });
});

describe('ndimage.rotate(order=2, reshape=False) (spec §2.3)', () => {
  for (const g of golden.rotate) {
    it(`${g.name}: identical uint8 output`, () => {
      const [h, w, c = 1] = g.shape;
      const out = rotateOrder2(bytes(g.input), w, h, c, g.angle);
      expect(Array.from(out)).toEqual(Array.from(bytes(g.output)));
    });
  }

  it('a window of the output is the same window of the full rotation', () => {
    const g = golden.rotate.find((r) => r.name.startsWith('rgb smooth'))!;
    const [h, w] = g.shape;
    const full = bytes(g.output);
    const win = { left: 3, top: 2, width: 9, height: 7 };
    const part = rotateOrder2(bytes(g.input), w, h, 3, g.angle, { window: win });
    for (let y = 0; y < win.height; y++)
      expect(Array.from(part.subarray(y * 27, (y + 1) * 27))).toEqual(
        Array.from(full.subarray(((y + 2) * w + 3) * 3, ((y + 2) * w + 3 + 9) * 3)),
      );
  });
});

describe('official RandomHorizontalFlip → RandomRotate → CenterCrop', () => {
  for (const g of golden.chain) {
    it(`flip ${g.flip}, ${g.angle}°, ${g.size.join('×')} → ${g.crop.join('×')}: RGB and depth identical`, () => {
      const [w, h] = g.size;
      const [cw, ch] = g.crop;
      const geo = { flip: g.flip, angle: g.angle };
      expect(Array.from(flipRotateCrop(bytes(g.rgb), w, h, 3, geo, cw, ch))).toEqual(Array.from(bytes(g.rgbOut)));
      expect(Array.from(flipRotateCrop(bytes(g.depth), w, h, 1, geo, cw, ch))).toEqual(Array.from(bytes(g.depthOut)));
      // both at once (the loader's path): the same bytes
      const [rgb, depth] = flipRotateCropPlanes(
        [
          { data: bytes(g.rgb), channels: 3 },
          { data: bytes(g.depth), channels: 1 },
        ],
        w,
        h,
        geo,
        cw,
        ch,
      );
      expect(Array.from(rgb)).toEqual(Array.from(bytes(g.rgbOut)));
      expect(Array.from(depth)).toEqual(Array.from(bytes(g.depthOut)));
    });
  }
});
