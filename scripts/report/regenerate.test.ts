import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writePlots } from './plots.js';
import { committedSpecs, regenerateResults } from './regenerate.js';
import { writeTables } from './tables.js';
import { ageRegion, tempDir, writeRun } from './test-fixtures.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = 'docs/results';
const RUNS = 'docs/results/runs';

const region = ageRegion(10, { mse: 1.5, mae: 1.25, gm: 1, bmse: 2, bmae: 1.5 });
const HIST = [0, 3, 40, 160, 30, 2].map((count, label) => ({ label, count }));
const perLabel = (scale: number) =>
  HIST.map((h) => ({
    label: h.label,
    n: 4,
    trainCount: h.count,
    shot: h.count > 100 ? 'many' : h.count < 20 ? 'few' : 'medium',
    mse: (scale * h.label) ** 2,
    mae: scale * h.label,
    meanPred: h.label,
  }));

describe('regenerateResults', () => {
  it('returns exactly what pnpm run tables and pnpm run plots write', async () => {
    const root = await tempDir();
    const runs = path.join(root, 'runs');
    for (const [name, row, seed, scale] of [
      ['s1d-mse-s0', 'Vanilla', 0, 0.5],
      ['s1d-mse-s1', 'Vanilla', 1, 0.7],
      ['s1d-gai-s0', 'Balanced MSE (GAI)', 0, 0.1],
    ] as const) {
      await writeRun(runs, {
        name,
        row,
        seed,
        dataset: 'synthetic-1d',
        seconds: [1.5, 2.25],
        metrics: { all: region, many: region, medium: region, few: region },
        extra: { trainHistogram: HIST, perLabel: perLabel(scale) },
      });
    }
    await writeTables({ runs, out: path.join(root, 'tables.md'), csv: path.join(root, 'tables.csv') });
    await writePlots({ runs, out: path.join(root, 'figures') });

    const regenerated = await regenerateResults(runs);
    expect([...regenerated.keys()].sort()).toEqual(['tables.md', 'tables.csv', ...(await committedSpecs(root))].sort());
    expect([...regenerated.keys()]).toContain(path.join('figures', 'synthetic-1d-per-label-error.vl.json'));
    for (const [file, text] of regenerated) {
      expect(await fs.readFile(path.join(root, file), 'utf8'), file).toBe(text);
    }
  });
});

/**
 * The committed reproduction: docs/results/runs holds what the tables and plots read (config.yaml,
 * summary.csv, metrics.jsonl, eval/*.json); regenerating from it must give the committed files byte for byte.
 */
describe.skipIf(!existsSync(path.join(REPO, RUNS)))('committed docs/results', () => {
  it(`regenerate byte for byte from ${RUNS}`, async () => {
    const cwd = process.cwd();
    process.chdir(REPO);
    try {
      const regenerated = await regenerateResults(RUNS);
      const specs = [...regenerated.keys()].filter((f) => f.endsWith('.vl.json')).sort();
      expect(specs).toEqual(await committedSpecs(RESULTS));
      for (const [file, text] of regenerated) {
        expect(await fs.readFile(path.join(RESULTS, file), 'utf8'), `${RESULTS}/${file}`).toBe(text);
      }
    } finally {
      process.chdir(cwd);
    }
  });

  it('holds no checkpoints', async () => {
    const entries = await fs.readdir(path.join(REPO, RUNS), { recursive: true });
    expect(entries.filter((e) => /(^|\/)checkpoints(\/|$)|weights\.bin$/.test(e))).toEqual([]);
  });
});
