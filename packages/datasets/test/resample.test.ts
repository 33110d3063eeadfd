/**
 * The PIL resizes of the official transforms against Pillow 9.4 (`Image.resize`), golden values from
 * test/golden/make_resample_golden.py (run by hand; CI reads the JSON).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type PilFilter, resizePil8 } from '../src/image/resample.js';

interface Golden {
  resize: { name: string; shape: number[]; size: [number, number]; filter: PilFilter; input: string; output: string }[];
}

const golden = JSON.parse(fs.readFileSync(new URL('./golden/resample-golden.json', import.meta.url), 'utf8')) as Golden;
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('Pillow 8-bit resampling (fixed point, two passes)', () => {
  for (const g of golden.resize) {
    it(`${g.name}: identical`, () => {
      const [h, w, c = 1] = g.shape;
      const [ow, oh] = g.size;
      const out = resizePil8(bytes(g.input), w, h, c, ow, oh, g.filter);
      expect(Array.from(out)).toEqual(Array.from(bytes(g.output)));
    });
  }

  it('same size: a copy', () => {
    const a = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const out = resizePil8(a, 2, 1, 3, 2, 1, 'bilinear');
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(out).not.toBe(a);
  });
});
