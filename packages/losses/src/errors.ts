/** The error every function of @bmse/losses throws on bad input: it says what was given and what is allowed. */
export class LossInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LossInputError';
  }
}

/** Throws a LossInputError prefixed with the function's name. */
export function fail(fn: string, message: string): never {
  throw new LossInputError(`${fn}: ${message}`);
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object' && 'shape' in (value as object)) {
    return `a tensor of shape [${(value as { shape: number[] }).shape.join(', ')}]`;
  }
  return typeof value;
}
