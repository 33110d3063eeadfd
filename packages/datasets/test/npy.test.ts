import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, formatNpy, parseNpy, readNpy, writeNpy } from '../src/index.js';

// np.save of np.arange(6, dtype=np.uint16).reshape(2, 3) and np.array([1.5, -2.25], np.float32) (NumPy 1.x)
const U16 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPHUyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAEAAgADAAQABQA=';
const F32 =
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwA==';

describe('.npy', () => {
  it('reads files written by NumPy', () => {
    const a = parseNpy(Buffer.from(U16, 'base64'));
    expect(a.dtype).toBe('<u2');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5]);
    const b = parseNpy(Buffer.from(F32, 'base64'));
    expect(b.shape).toEqual([2]);
    expect(Array.from(b.data)).toEqual([1.5, -2.25]);
  });

  it('writes byte-identical files to NumPy', () => {
    expect(
      formatNpy({ dtype: '<u2', shape: [2, 3], data: Uint16Array.from([0, 1, 2, 3, 4, 5]) }).toString('base64'),
    ).toBe(U16);
    expect(formatNpy({ dtype: '<f4', shape: [2], data: Float32Array.from([1.5, -2.25]) }).toString('base64')).toBe(F32);
  });

  it('round-trips a uint8 mask through a file', async () => {
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'npy-')), 'm.npy');
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i % 2);
    await writeNpy(file, { dtype: '|u1', shape: [2, 3, 4], data });
    const back = await readNpy(file);
    expect(back.shape).toEqual([2, 3, 4]);
    expect(back.dtype).toBe('|u1');
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect((await fs.stat(file)).size % 64).toBe(24 % 64);
  });

  it('names the file on a truncated array or a bad magic', async () => {
    const buf = Buffer.from(U16, 'base64');
    expect(() => parseNpy(buf.subarray(0, buf.length - 2), 'x.npy')).toThrow(
      /^x\.npy: expected 12 data bytes for shape \(2, 3\), found 10$/,
    );
    expect(() => parseNpy(Buffer.from('hello world'), 'y.npy')).toThrow(DatasetError);
    await expect(readNpy('/nonexistent/z.npy')).rejects.toThrow(/\/nonexistent\/z\.npy: cannot read/);
  });
});
