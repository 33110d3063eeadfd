/** CSV reading through csv-parse, keeping each record's 1-based file line for error messages. */
import fs from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { DatasetError } from '../errors.js';

export interface CsvRecord {
  /** 1-based line in the file */
  line: number;
  fields: string[];
}

export async function readCsvRecords(file: string): Promise<CsvRecord[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new DatasetError(`cannot read CSV: ${(e as Error).message}`, { file, cause: e });
  }
  try {
    const out = parse(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    return out.map((r) => ({ line: r.info.lines, fields: r.record }));
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new DatasetError(`malformed CSV: ${(e as Error).message}`, { file, row: line, cause: e });
  }
}
