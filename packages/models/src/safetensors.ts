/**
 * Minimal `.safetensors` reader/writer: 8-byte little-endian header length, a JSON
 * header `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? }`,
 * then the raw little-endian tensor bytes. Float tensors (F32, F64, F16, BF16) are
 * returned as Float32Array; integer tensors (I64, I32, …) as plain numbers.
 */
import { readFile } from 'node:fs/promises';

export interface RawTensor {
  dtype: string;
  shape: number[];
  /** float dtypes: Float32Array; integer/bool dtypes: Float64Array of the values */
  data: Float32Array | Float64Array;
}

const bytesPer: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

function f16(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decode(dtype: string, bytes: Uint8Array, count: number): Float32Array | Float64Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = dtype.startsWith('F') || dtype === 'BF16' ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'F32':
        out[i] = dv.getFloat32(4 * i, true);
        break;
      case 'F64':
        out[i] = dv.getFloat64(8 * i, true);
        break;
      case 'F16':
        out[i] = f16(dv.getUint16(2 * i, true));
        break;
      case 'BF16':
        out[i] = new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0];
        break;
      case 'I64':
        out[i] = Number(dv.getBigInt64(8 * i, true));
        break;
      case 'U64':
        out[i] = Number(dv.getBigUint64(8 * i, true));
        break;
      case 'I32':
        out[i] = dv.getInt32(4 * i, true);
        break;
      case 'U32':
        out[i] = dv.getUint32(4 * i, true);
        break;
      case 'I16':
        out[i] = dv.getInt16(2 * i, true);
        break;
      case 'U16':
        out[i] = dv.getUint16(2 * i, true);
        break;
      case 'I8':
        out[i] = dv.getInt8(i);
        break;
      default:
        out[i] = dv.getUint8(i); // U8, BOOL
    }
  }
  return out;
}

/** Parses a safetensors buffer; `what` names the source in errors. */
export function parseSafetensors(buf: Uint8Array, what = 'safetensors data'): Map<string, RawTensor> {
  if (buf.byteLength < 8) throw new Error(`${what}: ${buf.byteLength} bytes, too short for a safetensors header`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen > buf.byteLength - 8)
    throw new Error(`${what}: header length ${headerLen} exceeds the file (${buf.byteLength} bytes); truncated?`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new Error(`${what}: the JSON header does not parse (${(e as Error).message})`);
  }
  const base = 8 + headerLen;
  const out = new Map<string, RawTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const size = bytesPer[info.dtype];
    if (!size) throw new Error(`${what}: tensor '${name}' has unsupported dtype ${info.dtype}`);
    const count = info.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = info.data_offsets;
    if (end - begin !== count * size)
      throw new Error(
        `${what}: tensor '${name}' spans ${end - begin} bytes, expected ${count * size} for ${info.dtype}[${info.shape}]`,
      );
    if (base + end > buf.byteLength)
      throw new Error(
        `${what}: tensor '${name}' ends at byte ${base + end}, past the end (${buf.byteLength}); truncated?`,
      );
    out.set(name, {
      dtype: info.dtype,
      shape: info.shape,
      data: decode(info.dtype, buf.subarray(base + begin, base + end), count),
    });
  }
  return out;
}

export async function readSafetensors(file: string): Promise<Map<string, RawTensor>> {
  return parseSafetensors(new Uint8Array(await readFile(file)), file);
}

/** Serialises float32 tensors (in the given order) as safetensors bytes. */
export function serializeSafetensors(
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new Error(`serializeSafetensors: '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  const raw = new TextEncoder().encode(JSON.stringify(header));
  const head = new Uint8Array(raw.byteLength + ((8 - (raw.byteLength % 8)) % 8)).fill(0x20);
  head.set(raw);
  const out = new Uint8Array(8 + head.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let pos = 8 + head.byteLength;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}
