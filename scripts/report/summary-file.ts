/** Reads `runs/<name>/summary.csv` (one row per epoch) and returns the run's wall time: the sum of the `seconds` column. */
import fs from 'node:fs/promises';
import { parseCsv } from './csv.js';
import { ReportError } from './errors.js';

/** Sum of `seconds` over the epochs; `file` is used in error messages. */
export function wallSecondsFromCsv(file: string, text: string): number {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text);
  } catch (e) {
    throw new ReportError(`${file}: malformed CSV: ${(e as Error).message}`);
  }
  if (records.length > 0 && !('seconds' in records[0])) {
    throw new ReportError(`${file}: column "seconds" is missing from the header`);
  }
  let total = 0;
  records.forEach((r, i) => {
    const v = Number(r.seconds);
    if (r.seconds === '' || !Number.isFinite(v)) {
      throw new ReportError(
        `${file}: row ${i + 1} (epoch ${r.epoch ?? '?'}): field "seconds" is ${JSON.stringify(r.seconds)}, not a number`,
      );
    }
    total += v;
  });
  return total;
}

/** The run's wall time in seconds, or null when the run has no summary.csv. */
export async function readWallSeconds(file: string): Promise<number | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ReportError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return wallSecondsFromCsv(file, text);
}
