/**
 * csv-parse / csv-stringify for the report. They are dependencies of @bmse/datasets, not of the
 * root package, so they are resolved from that package's folder; once the root package.json lists
 * them, replace this module's body with `import { parse } from 'csv-parse/sync'` (and stringify).
 */
import { createRequire } from 'node:module';

type Parse = (
  input: string,
  options: { columns: true; skip_empty_lines: true; trim: true },
) => Record<string, string>[];
type Stringify = (records: unknown[][], options?: { header?: boolean }) => string;

const requireFromDatasets = createRequire(new URL('../../packages/datasets/package.json', import.meta.url));
const { parse } = requireFromDatasets('csv-parse/sync') as { parse: Parse };
const { stringify } = requireFromDatasets('csv-stringify/sync') as { stringify: Stringify };

/** Parses CSV text with a header row into records keyed by column name. */
export function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: true, trim: true });
}

/** Formats rows (the first one the header) as CSV text. */
export function formatCsv(rows: unknown[][]): string {
  return stringify(rows);
}
