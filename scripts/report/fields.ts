/** Typed readers for parsed YAML/JSON: each names the file and the dotted field path when the value is missing or has the wrong type. */
import { describe, ReportError } from './errors.js';

export type Obj = Record<string, unknown>;

function bad(file: string, path: string, want: string, got: unknown): never {
  throw new ReportError(`${file}: field "${path}" must be ${want}, got ${describe(got)}`);
}

export function asObject(file: string, path: string, v: unknown): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(file, path || '(top level)', 'an object', v);
  return v as Obj;
}

/** The value of `obj[key]`; throws "field … is missing" when the key is absent. */
export function required(file: string, obj: Obj, path: string, key: string): unknown {
  if (!(key in obj) || obj[key] === undefined) {
    throw new ReportError(`${file}: field "${join(path, key)}" is missing`);
  }
  return obj[key];
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export function asString(file: string, path: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') bad(file, path, 'a non-empty string', v);
  return v;
}

export function asNumber(file: string, path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(file, path, 'a finite number', v);
  return v;
}

export function asNumberOrNull(file: string, path: string, v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(file, path, 'a finite number or null', v);
  return v;
}

export function asInteger(file: string, path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(file, path, 'an integer', v);
  return v;
}

export function asArray(file: string, path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) bad(file, path, 'an array', v);
  return v;
}

/** A number[][]; a flat number[] is read as one value per row ([N] → [N, 1]). */
export function asNumberMatrix(file: string, path: string, v: unknown): number[][] {
  const rows = asArray(file, path, v);
  return rows.map((row, i) =>
    Array.isArray(row)
      ? row.map((x, j) => asNumber(file, `${join(path, i)}[${j}]`, x))
      : [asNumber(file, join(path, i), row)],
  );
}
