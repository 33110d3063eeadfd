/**
 * The Boston Housing data (506 rows, 13 features, target MEDV in $1000s; public domain), read
 * from the CSV fixture in data/ with every field checked (spec §2.4: the official files hold the
 * same 13 features + MEDV in the last column).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

export const FEATURES = [
  'crim',
  'zn',
  'indus',
  'chas',
  'nox',
  'rm',
  'age',
  'dis',
  'rad',
  'tax',
  'ptratio',
  'black',
  'lstat',
] as const;
export const TARGET = 'medv';
/** the official `_prepare_weights(max_target=51)`: integer bins 0..50 */
export const MAX_TARGET = 51;

export const DEFAULT_CSV = fileURLToPath(new URL('../data/boston-housing.csv', import.meta.url));

export interface BostonHousing {
  /** [n][13] in FEATURES order, raw (the official notebook does not standardise) */
  features: number[][];
  /** MEDV, n */
  medv: number[];
}

/** A user-facing data error: names the file, the CSV row (1-based, header = row 1) and the field. */
export class TutorialDataError extends Error {
  constructor(file: string, problem: string, row?: number, field?: string) {
    const where = [file, row === undefined ? '' : `row ${row}`, field ? `field '${field}'` : '']
      .filter(Boolean)
      .join(', ');
    super(`${where}: ${problem}`);
    this.name = 'TutorialDataError';
  }
}

/** Reads and checks the CSV: 14 named columns, finite numbers, MEDV in [0, MAX_TARGET). */
export function loadBostonHousing(file = DEFAULT_CSV): BostonHousing {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TutorialDataError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true });
  } catch (e) {
    throw new TutorialDataError(file, `is not valid CSV: ${(e as Error).message}`);
  }
  const header = rows.length ? Object.keys(rows[0]) : [];
  for (const name of [...FEATURES, TARGET]) {
    if (!header.includes(name))
      throw new TutorialDataError(file, `has no column '${name}' (expected ${[...FEATURES, TARGET].join(', ')})`);
  }
  const features: number[][] = [];
  const medv: number[] = [];
  rows.forEach((r, i) => {
    const row = i + 2;
    const num = (field: string): number => {
      const v = Number(r[field]);
      if (r[field] === '' || !Number.isFinite(v))
        throw new TutorialDataError(file, `'${r[field]}' is not a finite number`, row, field);
      return v;
    };
    features.push(FEATURES.map(num));
    const y = num(TARGET);
    if (y < 0 || y >= MAX_TARGET) {
      throw new TutorialDataError(
        file,
        `${y} is outside the label bins [0, ${MAX_TARGET}) of the recipe (max_target ${MAX_TARGET})`,
        row,
        TARGET,
      );
    }
    medv.push(y);
  });
  if (medv.length < 3) throw new TutorialDataError(file, `has ${medv.length} data rows; the tutorial needs at least 3`);
  return { features, medv };
}
