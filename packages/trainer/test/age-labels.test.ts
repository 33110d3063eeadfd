/** Ages the recipe cannot bin (issue #16): beyond 120, negative or NaN stop the run; fractional ones are noted once. */
import { appendFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetError, DEFAULT_AGE_SAMPLES, writeAgeFixture } from '@bmse/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { fractionalAgeNote } from '../src/data/age-labels.js';
import { openTaskData } from '../src/data/task-data.js';
import type { ConfigInput } from '../src/index.js';
import { setupBackend } from './helpers.js';

const RANGE = '[0, 121) (the ages the recipe bins: int(age) in 0..120)';

async function imdbFolder(extraRows: string[] = []): Promise<{ dir: string; csv: string; rows: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bmse-ages-'));
  const rows = await writeAgeFixture(dir, { kind: 'imdb-wiki' });
  const csv = path.join(dir, 'imdb_wiki.csv');
  for (const r of extraRows) appendFileSync(csv, `${r}\n`);
  return { dir, csv, rows: rows.length };
}

const config = (dir: string) =>
  resolveConfig({
    name: 'ages',
    row: 'Vanilla',
    data: { dataset: 'imdb-wiki-dir', dir, imageSize: 16, batchSize: 4, prefetch: 1 },
  } as ConfigInput);

describe('age labels the recipe cannot bin', () => {
  beforeAll(async () => {
    await setupBackend();
  });

  for (const [age, problem] of [
    ['150', `age 150 is outside ${RANGE}`],
    ['121', `age 121 is outside ${RANGE}`],
    ['-3', `age -3 is outside ${RANGE}`],
    ['NaN', `age 'NaN' is not a number; ages must lie in ${RANGE}`],
  ] as const) {
    it(`age ${age} (in the test split) is a DatasetError naming the CSV, row and allowed range`, async () => {
      const { dir, csv, rows } = await imdbFolder([`${age},imdb_crop/00/x.jpg,test`]);
      const e = await openTaskData(config(dir)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DatasetError);
      expect((e as Error).message).toBe(`${csv}, row ${rows + 2}, field 'age': ${problem}`);
    });
  }

  it('fractional training ages are reported once, with the count and the first row', async () => {
    const { dir, csv, rows } = await imdbFolder([
      `25.5,imdb_crop/00/a.jpg,train`,
      `30.25,imdb_crop/00/b.jpg,train`,
      `40.5,imdb_crop/00/c.jpg,val`,
    ]);
    const data = await openTaskData(config(dir));
    const train = DEFAULT_AGE_SAMPLES.filter((s) => s.split === 'train').length + 2;
    expect(data.notes).toEqual([
      `note: ${csv}: 2 of ${train} train ages are not integers (first: row ${rows + 2}, age 25.5); they train as ` +
        'given, but re-weighting, LDS, BNI and the per-label results bin ages by int(age) (25.5 → bin 25)',
    ]);
    const integral = await openTaskData(config((await imdbFolder()).dir));
    expect(integral.notes).toEqual([]);
  });

  it('fractionalAgeNote is null when every age is an integer', () => {
    const ds = { split: 'train' as const, csv: 'a.csv', labels: () => [3, 120], lines: () => [2, 3] };
    expect(fractionalAgeNote(ds)).toBeNull();
    expect(fractionalAgeNote({ ...ds, labels: () => [3, 0.5] })).toBe(
      'note: a.csv: 1 of 2 train ages are not integers (first: row 3, age 0.5); they train as given, but ' +
        're-weighting, LDS, BNI and the per-label results bin ages by int(age) (0.5 → bin 0)',
    );
  });
});
