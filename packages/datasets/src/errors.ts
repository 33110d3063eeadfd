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
