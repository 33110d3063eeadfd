import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeGrey, writeGreyPng } from '../src/index.js';

describe('decodeGrey', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('returns the exact values of 8- and 16-bit one-channel PNGs (NYUD2 train / test depth)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bmse-grey-'));
    dirs.push(dir);
    const width = 7;
    const height = 5;
    const v8 = Uint8Array.from({ length: width * height }, (_, i) => (i * 37 + 11) % 256);
    const v16 = Uint16Array.from({ length: width * height }, (_, i) => (i * 1237 + 700) % 10000);
    await writeGreyPng(path.join(dir, 'a.png'), { width, height, bits: 8, data: v8 });
    await writeGreyPng(path.join(dir, 'b.png'), { width, height, bits: 16, data: v16 });
    const a = await decodeGrey({ file: path.join(dir, 'a.png') });
    const b = await decodeGrey({ file: path.join(dir, 'b.png') });
    expect({ w: a.width, h: a.height, bits: a.bits }).toEqual({ w: width, h: height, bits: 8 });
    expect(Array.from(a.data)).toEqual(Array.from(v8));
    expect(b.bits).toBe(16);
    expect(Array.from(b.data)).toEqual(Array.from(v16));
  });
});
