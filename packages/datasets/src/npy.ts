/** A small NumPy `.npy` reader/writer (format versions 1.0–3.0, C order, little-endian numeric dtypes). */
import fs from 'node:fs/promises';
import { DatasetError } from './errors.js';

export type NpyDtype = '|u1' | '|i1' | '|b1' | '<u2' | '<i2' | '<u4' | '<i4' | '<f4' | '<f8';
export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
const ctors: Record<
  NpyDtype,
  { new (buf: ArrayBuffer, off: number, len: number): NpyData; BYTES_PER_ELEMENT: number }
> = {
  '|u1': Uint8Array,
  '|b1': Uint8Array,
  '|i1': Int8Array,
  '<u2': Uint16Array,
  '<i2': Int16Array,
  '<u4': Uint32Array,
  '<i4': Int32Array,
  '<f4': Float32Array,
  '<f8': Float64Array,
};
const aliases: Record<string, NpyDtype> = { '<u1': '|u1', '<i1': '|i1', '<b1': '|b1', '|u2': '<u2' };

/** Parses `.npy` bytes; `file` is only used in error messages. */
export function parseNpy(buf: Uint8Array, file = '<buffer>'): NpyArray {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || !b.subarray(0, 6).equals(MAGIC)) throw new DatasetError('not a .npy file (bad magic)', { file });
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (b.length < start + headerLen) throw new DatasetError('truncated .npy header', { file });
  const header = b.subarray(start, start + headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined)
    throw new DatasetError(`unreadable .npy header ${header.trim()}`, { file });
  const dtype = (aliases[descr] ?? descr) as NpyDtype;
  const ctor = ctors[dtype];
  if (!ctor) throw new DatasetError(`unsupported dtype '${descr}'`, { file, field: 'descr' });
  if (fortran === 'True')
    throw new DatasetError('fortran_order arrays are not supported', { file, field: 'fortran_order' });
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, c) => a * c, 1);
  const dataStart = start + headerLen;
  const bytes = count * ctor.BYTES_PER_ELEMENT;
  if (b.length - dataStart !== bytes)
    throw new DatasetError(
      `expected ${bytes} data bytes for shape (${shape.join(', ')}), found ${b.length - dataStart}`,
      { file },
    );
  // copy so the typed array is aligned whatever the header length
  const copy = new Uint8Array(bytes);
  copy.set(b.subarray(dataStart, dataStart + bytes));
  return { dtype, shape, data: new ctor(copy.buffer, 0, count) };
}

export async function readNpy(file: string): Promise<NpyArray> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    throw new DatasetError(`cannot read: ${(e as Error).message}`, { file, cause: e });
  }
  return parseNpy(buf, file);
}

/** Serialises an array as `.npy` version 1.0 (2.0 when the header does not fit), header padded to 64 bytes. */
export function formatNpy(arr: NpyArray): Buffer {
  const { dtype, shape, data } = arr;
  const count = shape.reduce((a, c) => a * c, 1);
  if (data.length !== count)
    throw new RangeError(`data has ${data.length} elements, shape (${shape.join(', ')}) needs ${count}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const major = dict.length + 11 > 0xffff ? 2 : 1;
  const pre = major === 1 ? 10 : 12;
  const pad = (64 - ((pre + dict.length + 1) % 64)) % 64;
  dict = dict + ' '.repeat(pad) + '\n';
  const head = Buffer.alloc(pre);
  MAGIC.copy(head, 0);
  head[6] = major;
  head[7] = 0;
  if (major === 1) head.writeUInt16LE(dict.length, 8);
  else head.writeUInt32LE(dict.length, 8);
  return Buffer.concat([head, Buffer.from(dict, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export async function writeNpy(file: string, arr: NpyArray): Promise<void> {
  await fs.writeFile(file, formatNpy(arr));
}
