/** The error every function of @bmse/metrics throws on bad input: it names the function, the argument and the index. */
export class MetricsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsInputError';
  }
}

/** Throws a MetricsInputError prefixed with the function's name. */
export function fail(fn: string, message: string): never {
  throw new MetricsInputError(`${fn}: ${message}`);
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value;
}

/** Checks that `value` is an array or typed array of numbers (not its entries) and returns its length. */
export function checkArrayLike(fn: string, name: string, value: unknown): number {
  const ok =
    Array.isArray(value) ||
    (ArrayBuffer.isView(value) && !(value instanceof DataView)) ||
    (typeof value === 'object' && value !== null && typeof (value as { length?: unknown }).length === 'number');
  if (!ok) fail(fn, `${name} must be an array or a typed array of numbers, got ${describe(value)}`);
  return (value as ArrayLike<unknown>).length;
}

/** Checks a non-empty array of finite numbers. */
export function checkFinite(fn: string, name: string, values: ArrayLike<number>): void {
  const n = checkArrayLike(fn, name, values);
  if (n === 0) fail(fn, `${name} is empty; at least one value is needed`);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      fail(fn, `${name}[${i}] is ${describe(v)}; every value must be a finite number`);
    }
  }
}

/** Checks that two arrays have the same length. */
export function checkSameLength(
  fn: string,
  a: string,
  av: ArrayLike<unknown>,
  b: string,
  bv: ArrayLike<unknown>,
): void {
  if (av.length !== bv.length) {
    fail(fn, `${a} has length ${av.length} but ${b} has length ${bv.length}; they must have the same length`);
  }
}
