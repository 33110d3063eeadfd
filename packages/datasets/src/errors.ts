/** Errors raised for bad dataset input; the message always names the file (and the CSV row / field where relevant). */
export interface DatasetErrorDetails {
  /** the file at fault */
  file: string;
  /** 1-based line of a CSV file */
  row?: number;
  /** the CSV column or array field at fault */
  field?: string;
  cause?: unknown;
}

export class DatasetError extends Error {
  readonly file: string;
  readonly row?: number;
  readonly field?: string;
  /** the message without the location prefix */
  readonly problem: string;

  constructor(problem: string, details: DatasetErrorDetails) {
    const where = [
      details.file,
      details.row !== undefined ? `row ${details.row}` : '',
      details.field ? `field '${details.field}'` : '',
    ]
      .filter(Boolean)
      .join(', ');
    super(`${where}: ${problem}`, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'DatasetError';
    this.problem = problem;
    this.file = details.file;
    this.row = details.row;
    this.field = details.field;
  }
}

/** A sample skipped in `onBadSample: 'skip'` mode. */
export interface BadSample {
  file: string;
  row?: number;
  message: string;
}

export type BadSampleMode = 'error' | 'skip';

/** Collects skipped samples and reports them once, at the end of an epoch. */
export class BadSampleLog {
  readonly items: BadSample[] = [];
  private readonly seen = new Set<string>();

  /** Records a skipped sample once (a bad image is met again every epoch). */
  add(err: DatasetError): void {
    if (this.seen.has(err.message)) return;
    this.seen.add(err.message);
    this.items.push({ file: err.file, row: err.row, message: err.message });
  }

  /** Default report: one warning listing every skipped sample. */
  static warn(items: readonly BadSample[]): void {
    if (items.length === 0) return;
    console.warn(`skipped ${items.length} bad sample(s):\n${items.map((b) => `  ${b.message}`).join('\n')}`);
  }
}

/** An error as plain data, to cross a worker boundary (structured clone drops the class and its fields). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** set for a DatasetError */
  dataset?: { problem: string; file: string; row?: number; field?: string };
  cause?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const cause = e.cause instanceof Error ? e.cause.message : e.cause !== undefined ? String(e.cause) : undefined;
  const out: SerializedError = { name: e.name, message: e.message, stack: e.stack, cause };
  if (e instanceof DatasetError) out.dataset = { problem: e.problem, file: e.file, row: e.row, field: e.field };
  return out;
}

/** The inverse of `serializeError`: a DatasetError comes back as a DatasetError with the same message and fields. */
export function reviveError(s: SerializedError): Error {
  const cause = s.cause !== undefined ? new Error(s.cause) : undefined;
  const d = s.dataset;
  const e = d
    ? new DatasetError(d.problem, { file: d.file, row: d.row, field: d.field, cause })
    : new Error(s.message, cause ? { cause } : undefined);
  if (!d) e.name = s.name;
  if (s.stack) e.stack = `${s.stack}\n    (in a data worker)`;
  return e;
}
