/** NYUD2-DIR lists `nyu2_train.csv` / `nyu2_test.csv` / `nyu2_train_FDS_subset.csv`: no header, (RGB path, depth path), paths starting with `data/` (spec §2.3). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { type BadSampleLog, type BadSampleMode, DatasetError } from '../errors.js';
import { readCsvRecords } from './read-csv.js';

export interface NyuRow {
  /** as written in the CSV, e.g. `data/nyu2_train/living_room_0038_out/37.jpg` */
  rgb: string;
  depth: string;
  line?: number;
  /** 0-based record position in the CSV (row of the balanced mask), also when bad rows were skipped */
  index?: number;
}

export interface ReadNyuCsvOptions {
  onBadSample?: BadSampleMode;
  badSamples?: BadSampleLog;
}

export async function readNyuCsv(file: string, opts: ReadNyuCsvOptions = {}): Promise<NyuRow[]> {
  const rows: NyuRow[] = [];
  for (const [index, rec] of (await readCsvRecords(file)).entries()) {
    try {
      const [rgb, depth] = rec.fields;
      if (!rgb) throw new DatasetError('missing value', { file, row: rec.line, field: 'rgb' });
      if (!depth)
        throw new DatasetError(`missing value (row has ${rec.fields.length} of 2 columns)`, {
          file,
          row: rec.line,
          field: 'depth',
        });
      rows.push({ rgb, depth, line: rec.line, index });
    } catch (e) {
      if (opts.onBadSample === 'skip' && e instanceof DatasetError) opts.badSamples?.add(e);
      else throw e;
    }
  }
  return rows;
}

/** The loader drops the first path component (`data/`) and joins the rest with the data folder (`loaddata.py`, `__getitem__`). */
export function resolveNyuPath(dir: string, csvPath: string): string {
  const parts = csvPath.split(/[\\/]/).filter(Boolean);
  return path.join(dir, ...parts.slice(1));
}

export async function writeNyuCsv(file: string, rows: readonly NyuRow[]): Promise<void> {
  await fs.writeFile(
    file,
    stringify(
      rows.map((r) => [r.rgb, r.depth]),
      { record_delimiter: 'unix' },
    ),
  );
}
