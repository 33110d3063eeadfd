/**
 * What `pnpm run tables` and `pnpm run plots` would write for a runs folder, as text keyed by the
 * path under the results folder (tables.md, tables.csv, figures/<name>.vl.json); nothing is written.
 * The committed docs/results are checked against it byte for byte (issue #16 §1).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadRuns } from './load-runs.js';
import { planPlots } from './plots.js';
import { makeTables } from './tables.js';
import { specText } from './vega-render.js';

/** Regenerated text per path relative to the results folder, in a stable order. */
export async function regenerateResults(runsDir: string): Promise<Map<string, string>> {
  const { markdown, csv } = await makeTables(runsDir);
  const files = new Map<string, string>([
    ['tables.md', markdown],
    ['tables.csv', csv],
  ]);
  for (const fig of planPlots(await loadRuns(runsDir)).figures) {
    files.set(path.join('figures', `${fig.name}.vl.json`), specText(fig.spec));
  }
  return files;
}

/** The `.vl.json` specs present in a figures folder, as paths relative to its parent (figures/<name>.vl.json). */
export async function committedSpecs(resultsDir: string): Promise<string[]> {
  const names = await fs.readdir(path.join(resultsDir, 'figures')).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.vl.json'))
    .sort()
    .map((n) => path.join('figures', n));
}
