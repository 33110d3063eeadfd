import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';
import { sampleStd } from './stats.js';
import { makeTables, writeTables } from './tables.js';
import { ageRegion, depthRegion, tempDir, writeRun } from './test-fixtures.js';

const age = (bmae: number, mae: number, gm: number) => ({ mse: mae * mae, mae, gm, bmse: bmae * bmae, bmae });

let runs: string;
const temps: string[] = [];

beforeAll(async () => {
  runs = await tempDir();
  temps.push(runs);
  await writeRun(runs, {
    name: 'vanilla-s0',
    row: 'Vanilla',
    seed: 0,
    dataset: 'imdb-wiki-dir',
    seconds: [30, 30],
    metrics: {
      all: ageRegion(100, age(14.0, 8.1, 5.2)),
      many: ageRegion(60, age(7.0, 6.0, 4.0)),
      medium: ageRegion(30, age(16.0, 12.0, 8.0)),
      few: ageRegion(10, age(33.0, 30.0, 20.0)),
    },
  });
  await writeRun(runs, {
    name: 'vanilla-s1',
    row: 'Vanilla',
    seed: 1,
    dataset: 'imdb-wiki-dir',
    seconds: [40, 50],
    metrics: {
      all: ageRegion(100, age(13.0, 7.9, 5.6)),
      many: ageRegion(60, age(7.5, 6.5, 4.5)),
      medium: ageRegion(30, age(15.0, 11.0, 7.0)),
      few: ageRegion(10, age(32.0, 29.0, 19.0)),
    },
  });
  // a different spelling of a paper row, one seed, an empty few-shot region
  await writeRun(runs, {
    name: 'bmc-s3',
    row: 'balanced mse (BMC)',
    seed: 3,
    dataset: 'imdb-wiki-dir',
    seconds: [7],
    backend: 'tensorflow',
    metrics: {
      all: ageRegion(90, age(12.345, 8.2, 5.0)),
      many: ageRegion(60, age(7.6, 6.1, 4.1)),
      medium: ageRegion(30, age(12.7, 11.5, 7.5)),
      few: ageRegion(0, null),
    },
  });
  await writeRun(runs, {
    name: 'mine-s0',
    row: 'My new loss',
    seed: 0,
    dataset: 'imdb-wiki-dir',
    metrics: {
      all: ageRegion(100, age(11, 7, 4)),
      many: ageRegion(60, age(6, 6, 3)),
      medium: ageRegion(30, age(11, 10, 6)),
      few: ageRegion(10, age(20, 20, 10)),
    },
  });
  await writeRun(runs, {
    name: 'depth-gai',
    row: 'Balanced MSE (GAI)',
    seed: 0,
    dataset: 'nyud2-dir',
    seconds: [3600, 3600, 1800],
    metrics: {
      all: depthRegion(1000, 1.2346, 0.6789),
      many: depthRegion(500, 0.8, 0.8),
      medium: depthRegion(300, 0.9, 0.7),
      few: depthRegion(200, 1.7, 0.5),
    },
  });
  await writeRun(runs, {
    name: 'unfinished',
    row: 'Vanilla',
    seed: 2,
    dataset: 'imdb-wiki-dir',
    noEval: true,
    metrics: { all: {}, many: {}, medium: {}, few: {} },
  });
});

afterAll(async () => {
  for (const d of temps) await fs.rm(d, { recursive: true, force: true });
});

/** The cells of the Markdown table row whose first two cells are `method` and `source`. */
function rowCells(markdown: string, heading: string, method: string, source: string): string[] {
  const section = markdown.split('\n## ').find((s) => s.startsWith(heading));
  if (!section) throw new Error(`no section ${heading}`);
  const line = section
    .split('\n')
    .map((l) => l.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, '').trim()))
    .find((cells) => cells[0] === method && cells[1].startsWith(source));
  if (!line) throw new Error(`no row ${method} / ${source} in ${heading}`);
  return line;
}

describe('tables', () => {
  it('aggregates seeds as mean ± sample std, with the seed count', async () => {
    const { markdown } = await makeTables(runs);
    const cells = rowCells(markdown, 'IMDB-WIKI-DIR (imdb-wiki-dir), test — bMAE, MAE, GM', 'Vanilla', 'ours');
    // columns: Method, Source, Seeds, bMAE All/Many/Med./Few, MAE All/Many/Med./Few, GM All/…, Wall, Backend
    expect(cells[2]).toBe('2 (0, 1)');
    // bMAE All: 14.0, 13.0 → mean 13.5, sample std √0.5 = 0.7071
    expect(cells[3]).toBe('13.50 ± 0.71');
    expect(sampleStd([14, 13])).toBeCloseTo(Math.SQRT1_2, 12);
    // bMAE Few: 33, 32; MAE All: 8.1, 7.9 → 8.00 ± 0.14; GM All: 5.2, 5.6 → 5.40 ± 0.28
    expect(cells[6]).toBe('32.50 ± 0.71');
    expect(cells[7]).toBe('8.00 ± 0.14');
    expect(cells[11]).toBe('5.40 ± 0.28');
    // wall time: (60 + 90) / 2 = 75 s; backend from eval JSON
    expect(cells.slice(-2)).toEqual(['75 s', 'wasm']);
  });

  it('prints a single seed alone, and — for a null metric', async () => {
    const { markdown } = await makeTables(runs);
    const cells = rowCells(
      markdown,
      'IMDB-WIKI-DIR (imdb-wiki-dir), test — bMAE, MAE, GM',
      'balanced mse (BMC)',
      'ours',
    );
    expect(cells[2]).toBe('1 (3)');
    expect(cells.slice(3, 7)).toEqual(['12.35', '7.60', '12.70', '—']);
    expect(cells[14]).toBe('—'); // GM Few
    expect(cells.slice(-2)).toEqual(['7 s', 'tensorflow']);
  });

  it('orders rows as the paper does, published rows beside ours, unknown rows last', async () => {
    const { report } = await makeTables(runs);
    const t = report.tables.find((x) => x.dataset === 'imdb-wiki-dir' && x.id === 'mae')!;
    expect(t.rows.map((r) => `${r.method} | ${r.source.split(' (')[0]}`)).toEqual([
      'Vanilla | ours',
      'Vanilla | [R] Balanced MSE README',
      'Vanilla | [S] secondary source, unverified',
      'SQINV + LDS | [R] DIR README',
      'SQINV + FDS | [R] DIR README',
      'SQINV + LDS + FDS | [R] DIR README',
      'RRT + LDS | [S] secondary source, unverified',
      'Balanced MSE (GAI) | [R] Balanced MSE README',
      'Balanced MSE (GAI) | [S] secondary source, unverified',
      'balanced mse (BMC) | ours',
      'Balanced MSE (BMC) | [R] Balanced MSE README',
      'Balanced MSE (BMC) | [S] secondary source, unverified',
      'Balanced MSE (BNI) | [R] Balanced MSE README',
      'My new loss | ours',
    ]);
    // the bMSE table has no published numbers (spec §6.2: none for bMSE)
    const mse = report.tables.find((x) => x.dataset === 'imdb-wiki-dir' && x.id === 'mse')!;
    expect(mse.rows.map((r) => r.source)).toEqual(['ours', 'ours', 'ours']);
  });

  it('labels published numbers with their provenance, at the source’s precision', async () => {
    const { markdown } = await makeTables(runs);
    const h = 'IMDB-WIKI-DIR (imdb-wiki-dir), test — bMAE, MAE, GM';
    const r = rowCells(markdown, h, 'Vanilla', '[R] Balanced MSE README');
    expect(r[1]).toBe('[R] Balanced MSE README (spec §6.1, “Vanilla”)');
    expect(r.slice(3, 7)).toEqual(['13.923', '7.323', '15.925', '32.778']);
    expect(r.slice(7, 11)).toEqual(['', '', '', '']); // not reported → blank, not —
    const s = rowCells(markdown, h, 'Balanced MSE (BMC)', '[S]');
    expect(s[1]).toBe('[S] secondary source, unverified (spec §6.2, “Ours (BMC)”)');
    expect([s[3], s[6], s[7]]).toEqual(['12.69', '28.28', '8.08']);
    const dir = rowCells(markdown, h, 'SQINV + LDS', '[R] DIR README');
    expect(dir.slice(7, 11)).toEqual(['7.87', '7.31', '12.45', '22.60']);
    expect(markdown).toContain('[R] stated in an official repo README');
  });

  it('writes the depth table with RMSE and δ1 at 3 decimals and the published NYUD2 rows', async () => {
    const { markdown } = await makeTables(runs);
    const h = 'NYUD2-DIR (nyud2-dir), test — RMSE (m), δ1';
    expect(markdown).toContain(
      '| Method | Source | Seeds | RMSE All | RMSE Many | RMSE Med. | RMSE Few | δ1 All | δ1 Many | δ1 Med. | δ1 Few | Wall time / seed | Backend |',
    );
    const ours = rowCells(markdown, h, 'Balanced MSE (GAI)', 'ours');
    expect(ours.slice(3, 11)).toEqual(['1.235', '0.800', '0.900', '1.700', '0.679', '0.800', '0.700', '0.500']);
    expect(ours.slice(-2)).toEqual(['2.50 h', 'wasm']);
    const pub = rowCells(markdown, h, 'Balanced MSE (GAI)', '[R] Balanced MSE README');
    expect(pub.slice(3, 7)).toEqual(['1.279', '0.819', '0.917', '1.705']);
    const sec = rowCells(markdown, h, 'Balanced MSE (GAI)', '[S]');
    expect([sec[3], sec[6], sec[10]]).toEqual(['1.251', '1.703', '0.715']);
    expect(rowCells(markdown, h, 'Vanilla + LDS', '[R] DIR README')[3]).toBe('1.387');
  });

  it('lists run folders without eval/test.json as skipped, and is deterministic', async () => {
    const a = await makeTables(runs);
    const b = await makeTables(runs);
    expect(a.markdown).toBe(b.markdown);
    expect(a.markdown).toContain('- `unfinished`: no eval/test.json');
    expect(a.report.runCount).toBe(5);
  });

  it('writes the Markdown and a tidy CSV', async () => {
    const out = await tempDir();
    temps.push(out);
    const md = path.join(out, 'docs', 'tables.md');
    const csv = path.join(out, 'tables.csv');
    const res = await writeTables({ runs, out: md, csv });
    expect(await fs.readFile(md, 'utf8')).toBe(res.markdown);
    const records = parseCsv(await fs.readFile(csv, 'utf8'));
    const v = records.find(
      (r) =>
        r.dataset === 'imdb-wiki-dir' &&
        r.row === 'Vanilla' &&
        r.source === 'ours' &&
        r.metric === 'bmae' &&
        r.shot === 'all',
    )!;
    expect(Number(v.mean)).toBeCloseTo(13.5, 12);
    expect(Number(v.std)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(v.count).toBe('2');
    expect(Number(v.wall_seconds)).toBe(75);
    const nullFew = records.find((r) => r.row === 'balanced mse (BMC)' && r.metric === 'bmae' && r.shot === 'few')!;
    expect(nullFew.mean).toBe('');
  });
});
