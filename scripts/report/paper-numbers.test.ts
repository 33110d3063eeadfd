import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PAPER_NUMBERS, type PublishedRow } from './paper-numbers.js';

/** The team reference, beside the repository (skipped where it is not checked out). */
const SPEC = fileURLToPath(new URL('../../../shared/reference/balanced-mse-spec.md', import.meta.url));

/** Lines copied verbatim from balanced-mse-spec.md §6.1–§6.4. */
const EXCERPTS = {
  '§6.1': `| Vanilla | 13.923 | 7.323 | 15.925 | 32.778 |
| GAI | 12.690 | 7.589 | 12.880 | 28.307 |
| BMC | 12.654 | 7.649 | 12.689 | 28.097 |
| BNI | 12.650 | 7.647 | 12.696 | 28.077 |`,
  '§6.2': `| Vanilla | 13.92 | 32.78 | 8.06 |
| RRT + LDS | 13.09 | 30.26 | 7.79 |
| Ours (BMC) | 12.69 | 28.28 | 8.08 |
| Ours (GAI) | 12.66 | 28.14 | 8.12 |`,
  '§6.3': `IMDB-WIKI-DIR: LDS 7.87/7.31/12.45/22.60; FDS 7.66/7.06/12.60/22.37;
LDS+FDS 7.68/7.07/12.79/21.85 (All/Many/Medium/Few).
AgeDB-DIR: LDS 7.67/6.98/8.86/10.89; FDS 7.69/7.11/8.86/9.98;
LDS+FDS 7.47/6.91/8.26/10.55.`,
  '§6.4': `| GAI | 1.279 | 0.819 | 0.917 | 1.705 | [R] official repo README |
| BNI | 1.281 | 0.833 | 0.856 | 1.714 | [R] official repo README |
| LDS (DIR, base Vanilla) | 1.387 | 0.671 | 0.913 | 1.954 | [R] DIR repo README |
| FDS (DIR) | 1.442 | 0.615 | 0.940 | 2.059 | [R] DIR repo README |
| LDS+FDS (DIR) | 1.301 | 0.731 | 0.832 | 1.799 | [R] DIR repo README |`,
  '§6.4 [S]': `unverified): Vanilla+LDS RMSE All 1.387, Few 1.954, δ1 Few 0.630;
Ours (BNI) 1.283 / 1.736 / δ1 Few 0.723; Ours (GAI) 1.251 / 1.703 / δ1 Few 0.715.`,
};

type Expected = Pick<PublishedRow, 'dataset' | 'label' | 'section' | 'metrics'> & { tag: string };

function cells(line: string): string[] {
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

/** The numbers the excerpts state, in the shape of paper-numbers.json rows. */
function expectedRows(): Expected[] {
  const out: Expected[] = [];
  for (const line of EXCERPTS['§6.1'].split('\n')) {
    const [label, all, many, medium, few] = cells(line);
    out.push({
      dataset: 'imdb-wiki-dir',
      label,
      section: '§6.1',
      tag: '[R]',
      metrics: { bmae: { all: +all, many: +many, medium: +medium, few: +few } },
    });
  }
  for (const line of EXCERPTS['§6.2'].split('\n')) {
    const [label, bAll, bFew, mAll] = cells(line);
    out.push({
      dataset: 'imdb-wiki-dir',
      label,
      section: '§6.2',
      tag: '[S]',
      metrics: { bmae: { all: +bAll, few: +bFew }, mae: { all: +mAll } },
    });
  }
  const [imdb, agedb] = EXCERPTS['§6.3'].split('AgeDB-DIR:');
  for (const [dataset, text] of [
    ['imdb-wiki-dir', imdb],
    ['agedb-dir', agedb],
  ] as const) {
    for (const m of text.matchAll(
      /(LDS\+FDS|LDS|FDS) (\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)/g,
    )) {
      out.push({
        dataset,
        label: m[1],
        section: '§6.3',
        tag: '[R]',
        metrics: { mae: { all: +m[2], many: +m[3], medium: +m[4], few: +m[5] } },
      });
    }
  }
  for (const line of EXCERPTS['§6.4'].split('\n')) {
    const [label, all, many, medium, few] = cells(line);
    out.push({
      dataset: 'nyud2-dir',
      label,
      section: '§6.4',
      tag: '[R]',
      metrics: { rmse: { all: +all, many: +many, medium: +medium, few: +few } },
    });
  }
  const s = EXCERPTS['§6.4 [S]'];
  const v = /Vanilla\+LDS RMSE All (\d+(?:\.\d+)?), Few (\d+(?:\.\d+)?), δ1 Few (\d+(?:\.\d+)?)/.exec(s)!;
  out.push({
    dataset: 'nyud2-dir',
    label: 'Vanilla+LDS',
    section: '§6.4',
    tag: '[S]',
    metrics: { rmse: { all: +v[1], few: +v[2] }, delta1: { few: +v[3] } },
  });
  for (const m of s.matchAll(/(Ours \((?:BNI|GAI)\)) (\d+(?:\.\d+)?) \/ (\d+(?:\.\d+)?) \/ δ1 Few (\d+(?:\.\d+)?)/g)) {
    out.push({
      dataset: 'nyud2-dir',
      label: m[1],
      section: '§6.4',
      tag: '[S]',
      metrics: { rmse: { all: +m[2], few: +m[3] }, delta1: { few: +m[4] } },
    });
  }
  return out;
}

describe('paper-numbers.json', () => {
  it.runIf(existsSync(SPEC))('quotes the spec verbatim (the excerpts are lines of balanced-mse-spec.md)', () => {
    const spec = readFileSync(SPEC, 'utf8');
    for (const [section, text] of Object.entries(EXCERPTS)) {
      for (const line of text.split('\n')) expect(spec, `${section}: ${line}`).toContain(line);
    }
  });

  it('holds exactly the numbers of spec §6.1–§6.4, with provenance and section', () => {
    const expected = expectedRows();
    expect(PAPER_NUMBERS).toHaveLength(expected.length);
    for (const e of expected) {
      const row = PAPER_NUMBERS.find(
        (r) =>
          r.dataset === e.dataset && r.section === e.section && r.label === e.label && r.provenance.startsWith(e.tag),
      );
      expect(row, `${e.dataset} ${e.section} ${e.label}`).toBeDefined();
      expect(row!.metrics).toEqual(e.metrics);
    }
  });

  it('spot-checks a few values and the provenance labels', () => {
    const find = (dataset: string, section: string, label: string) =>
      PAPER_NUMBERS.find((r) => r.dataset === dataset && r.section === section && r.label === label)!;
    expect(find('imdb-wiki-dir', '§6.1', 'Vanilla').metrics.bmae?.few).toBe(32.778);
    expect(find('imdb-wiki-dir', '§6.1', 'BNI').provenance).toBe('[R] Balanced MSE README');
    expect(find('imdb-wiki-dir', '§6.2', 'Ours (GAI)').provenance).toBe('[S] secondary source, unverified');
    expect(find('imdb-wiki-dir', '§6.2', 'Ours (GAI)').row).toBe('Balanced MSE (GAI)');
    expect(find('agedb-dir', '§6.3', 'FDS').metrics.mae?.few).toBe(9.98);
    expect(find('nyud2-dir', '§6.4', 'LDS+FDS (DIR)').provenance).toBe('[R] DIR README');
    expect(find('nyud2-dir', '§6.4', 'Ours (BNI)').metrics.delta1?.few).toBe(0.723);
    for (const r of PAPER_NUMBERS) expect(r.provenance).toMatch(/^\[(R|S)\] /);
  });
});
