/** csv-parse / csv-stringify for the report. */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/** Parses CSV text with a header row into records keyed by column name. */
export function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
}

/** Formats rows (the first one the header) as CSV text. */
export function formatCsv(rows: unknown[][]): string {
  return stringify(rows);
}
