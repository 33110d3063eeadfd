/** Groups runs by (dataset, paper row) and aggregates their seeds: mean ± sample std per metric and shot, mean wall time. */
import {
  compareDatasets,
  type Dataset,
  familyOf,
  type MetricName,
  metricNames,
  SHOT_KEYS,
  type ShotKey,
} from './datasets.js';
import type { Run } from './load-runs.js';
import { compareRows, rowKey } from './row-order.js';
import { mean, type SeedStat, seedStat } from './stats.js';

export interface RowGroup {
  dataset: Dataset;
  /** the row label as the configs spell it (the first alphabetically when spellings differ) */
  row: string;
  /** sorted by seed, then run folder */
  runs: Run[];
  seeds: number[];
  stats: Record<ShotKey, Partial<Record<MetricName, SeedStat | null>>>;
  /** mean over the runs that have a summary.csv; null when none has */
  wallSeconds: number | null;
  backends: string[];
  /** remarks for the table notes (duplicate seeds, merged spellings) */
  notes: string[];
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function aggregate(dataset: Dataset, runs: Run[]): RowGroup {
  runs.sort((a, b) => a.config.seed - b.config.seed || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  const labels = unique(runs.map((r) => r.config.row)).sort();
  const row = labels[0];
  const seeds = runs.map((r) => r.config.seed);
  const notes: string[] = [];
  if (labels.length > 1)
    notes.push(
      `"${row}" also covers the spellings ${labels
        .slice(1)
        .map((l) => `"${l}"`)
        .join(', ')}`,
    );
  for (const s of unique(seeds)) {
    const dup = runs.filter((r) => r.config.seed === s);
    if (dup.length > 1)
      notes.push(
        `"${row}": seed ${s} appears in ${dup.length} runs (${dup.map((r) => r.config.name).join(', ')}); all of them enter the mean`,
      );
  }
  const names = metricNames(familyOf(dataset));
  const stats = Object.fromEntries(
    SHOT_KEYS.map((k) => [
      k,
      Object.fromEntries(names.map((m) => [m, seedStat(runs.map((r) => r.eval.metrics[k].values[m] ?? null))])),
    ]),
  ) as RowGroup['stats'];
  const walls = runs.map((r) => r.wallSeconds).filter((w): w is number => w !== null);
  return {
    dataset,
    row,
    runs,
    seeds,
    stats,
    wallSeconds: walls.length ? mean(walls) : null,
    backends: unique(runs.map((r) => r.eval.backend).filter((b): b is string => b !== null)).sort(),
    notes,
  };
}

/** Row groups ordered by dataset, then in the paper's row order. */
export function groupRuns(runs: readonly Run[]): RowGroup[] {
  const groups = new Map<string, { dataset: Dataset; runs: Run[] }>();
  for (const run of runs) {
    const key = `${run.config.dataset}\u0000${rowKey(run.config.row)}`;
    const g = groups.get(key) ?? { dataset: run.config.dataset, runs: [] };
    g.runs.push(run);
    groups.set(key, g);
  }
  return [...groups.values()]
    .map((g) => aggregate(g.dataset, g.runs))
    .sort((a, b) => compareDatasets(a.dataset, b.dataset) || compareRows(a.row, b.row));
}
