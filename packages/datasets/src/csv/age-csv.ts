/** The age split files: `imdb_wiki.csv` / `agedb.csv` with header `age,path,split` (spec §2.1, §2.2); meta CSVs lack `split`. */
import fs from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { type BadSampleLog, type BadSampleMode, DatasetError } from '../errors.js';
import { readCsvRecords } from './read-csv.js';

export type AgeSplit = 'train' | 'val' | 'test';
export const AGE_SPLITS: readonly AgeSplit[] = ['train', 'val', 'test'];

export interface AgeRow {
  age: number;
  /** relative to the dataset folder, e.g. `imdb_crop/01/nm0000001_rm124825600_1899-5-10_1968.jpg` */
  path: string;
  split?: AgeSplit;
  /** 1-based line in the CSV */
  line?: number;
}

export interface ReadAgeCsvOptions {
  /** require a valid `split` column (default true) */
  requireSplit?: boolean;
  /** ages outside [minAge, maxAge] are errors; the create script keeps 0..200 (spec §2.1) */
  minAge?: number;
  maxAge?: number;
  /**
   * the recipe bins ages as int(age) into 0..maxTarget−1 (re-weighting, LDS, BNI, per-label results): ages
   * must then lie in [minAge, maxTarget) instead of [minAge, maxAge]
   */
  maxTarget?: number;
  onBadSample?: BadSampleMode;
  badSamples?: BadSampleLog;
}

export async function readAgeCsv(file: string, opts: ReadAgeCsvOptions = {}): Promise<AgeRow[]> {
  const { requireSplit = true, minAge = 0, maxAge = 200, onBadSample = 'error' } = opts;
  const range = ageRange(minAge, maxAge, opts.maxTarget);
  const records = await readCsvRecords(file);
  if (records.length === 0) throw new DatasetError('empty CSV (expected a header age,path[,split])', { file });
  const header = records[0].fields.map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const needed = requireSplit ? ['age', 'path', 'split'] : ['age', 'path'];
  for (const name of needed)
    if (col(name) < 0)
      throw new DatasetError(`header lacks column '${name}' (found ${header.join(',')})`, { file, row: 1 });
  const [ia, ip, is] = [col('age'), col('path'), col('split')];
  const rows: AgeRow[] = [];
  for (const rec of records.slice(1)) {
    try {
      rows.push(parseAgeRow(rec.fields, rec.line, file, { ia, ip, is, requireSplit, range, width: header.length }));
    } catch (e) {
      if (onBadSample === 'skip' && e instanceof DatasetError) opts.badSamples?.add(e);
      else throw e;
    }
  }
  return rows;
}

interface AgeRange {
  contains(age: number): boolean;
  /** e.g. `[0, 200]`, or `[0, 121) (the ages the recipe bins: int(age) in 0..120)` */
  text: string;
}

function ageRange(minAge: number, maxAge: number, maxTarget: number | undefined): AgeRange {
  if (maxTarget === undefined) return { contains: (a) => a >= minAge && a <= maxAge, text: `[${minAge}, ${maxAge}]` };
  return {
    contains: (a) => a >= minAge && a < maxTarget,
    text: `[${minAge}, ${maxTarget}) (the ages the recipe bins: int(age) in ${minAge}..${maxTarget - 1})`,
  };
}

function parseAgeRow(
  f: string[],
  line: number,
  file: string,
  c: { ia: number; ip: number; is: number; requireSplit: boolean; range: AgeRange; width: number },
): AgeRow {
  const field = (i: number, name: string): string => {
    const v = f[i];
    if (v === undefined || v === '')
      throw new DatasetError(`missing value (row has ${f.length} of ${c.width} columns)`, {
        file,
        row: line,
        field: name,
      });
    return v;
  };
  const ageText = field(c.ia, 'age');
  const age = Number(ageText);
  if (!Number.isFinite(age))
    throw new DatasetError(`age '${ageText}' is not a number; ages must lie in ${c.range.text}`, {
      file,
      row: line,
      field: 'age',
    });
  if (!c.range.contains(age))
    throw new DatasetError(`age ${age} is outside ${c.range.text}`, { file, row: line, field: 'age' });
  const path = field(c.ip, 'path');
  const row: AgeRow = { age, path, line };
  if (c.is >= 0 && (c.requireSplit || f[c.is])) {
    const split = field(c.is, 'split');
    if (!AGE_SPLITS.includes(split as AgeSplit))
      throw new DatasetError(`split '${split}' is not one of train, val, test`, { file, row: line, field: 'split' });
    row.split = split as AgeSplit;
  }
  return row;
}

/** Writes `age,path,split` (or `age,path` when no row has a split), integer ages without a decimal point. */
export async function writeAgeCsv(file: string, rows: readonly AgeRow[]): Promise<void> {
  const withSplit = rows.some((r) => r.split !== undefined);
  const columns = withSplit ? ['age', 'path', 'split'] : ['age', 'path'];
  const data = rows.map((r) => (withSplit ? [String(r.age), r.path, r.split ?? ''] : [String(r.age), r.path]));
  await fs.writeFile(file, stringify(data, { header: true, columns }));
}
