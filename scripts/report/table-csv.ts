/** Renders the results tables as tidy CSV: one line per (table, row, metric, shot), with unrounded mean and std. */
import type { TablesReport } from './build-tables.js';
import { formatCsv } from './csv.js';
import { MISSING } from './stats.js';

export const CSV_HEADER = [
  'dataset',
  'table',
  'row',
  'source',
  'seeds',
  'metric',
  'shot',
  'mean',
  'std',
  'count',
  'wall_seconds',
  'backend',
];

export function renderCsv(report: TablesReport): string {
  const lines: unknown[][] = [CSV_HEADER];
  for (const t of report.tables) {
    for (const r of t.rows) {
      for (const c of r.cells) {
        if (c.mean === null && r.kind === 'published') continue;
        lines.push([
          t.dataset,
          t.id,
          r.method,
          r.source,
          r.seeds,
          c.metric,
          c.shot,
          c.mean ?? '',
          c.std ?? '',
          c.count ?? '',
          r.wallSeconds ?? '',
          r.backend === MISSING ? '' : r.backend,
        ]);
      }
    }
  }
  return formatCsv(lines);
}
