/** Builds the results tables (one or two per dataset) from row groups and the published numbers, as plain data. */
import type { RowGroup } from './aggregate.js';
import { DATASET_TITLES, type Dataset, familyOf, type MetricName, SHOT_KEYS, type ShotKey } from './datasets.js';
import type { SkippedRun } from './load-runs.js';
import { type PublishedRow, publishedRows, sourceLabel } from './paper-numbers.js';
import { compareRows } from './row-order.js';
import { fixed, formatDuration, formatStat, MISSING, type SeedStat } from './stats.js';
import { SHOT_TITLES, type TableSpec, tableSpecs } from './table-spec.js';

export interface Cell {
  metric: MetricName;
  shot: ShotKey;
  text: string;
  /** ours: mean over seeds; published: the number; null when missing */
  mean: number | null;
  std: number | null;
  /** how many seeds gave a value (ours) */
  count: number | null;
}

export interface TableRow {
  kind: 'ours' | 'published';
  method: string;
  source: string;
  seeds: string;
  cells: Cell[];
  wall: string;
  wallSeconds: number | null;
  backend: string;
}

export interface ReportTable {
  dataset: Dataset;
  id: string;
  title: string;
  columns: string[];
  rows: TableRow[];
  notes: string[];
}

export const LEAD_COLUMNS = ['Method', 'Source', 'Seeds'];
export const TRAIL_COLUMNS = ['Wall time / seed', 'Backend'];

function columnsOf(spec: TableSpec): string[] {
  return [
    ...LEAD_COLUMNS,
    ...spec.blocks.flatMap((b) => SHOT_KEYS.map((k) => `${b.title} ${SHOT_TITLES[k]}`)),
    ...TRAIL_COLUMNS,
  ];
}

function oursRow(g: RowGroup, spec: TableSpec): TableRow {
  const cells = spec.blocks.flatMap((b) =>
    SHOT_KEYS.map((shot): Cell => {
      const s: SeedStat | null = g.stats[shot][b.metric] ?? null;
      return {
        metric: b.metric,
        shot,
        text: formatStat(s, b.decimals),
        mean: s?.mean ?? null,
        std: s?.std ?? null,
        count: s?.count ?? 0,
      };
    }),
  );
  return {
    kind: 'ours',
    method: g.row,
    source: 'ours',
    seeds: `${g.seeds.length} (${g.seeds.join(', ')})`,
    cells,
    wall: formatDuration(g.wallSeconds),
    wallSeconds: g.wallSeconds,
    backend: g.backends.length ? g.backends.join(', ') : MISSING,
  };
}

function publishedRow(p: PublishedRow, spec: TableSpec): TableRow | null {
  const cells = spec.blocks.flatMap((b) =>
    SHOT_KEYS.map((shot): Cell => {
      const v = p.metrics[b.metric]?.[shot];
      return {
        metric: b.metric,
        shot,
        text: v === undefined ? '' : fixed(v, p.decimals),
        mean: v ?? null,
        std: null,
        count: null,
      };
    }),
  );
  if (cells.every((c) => c.mean === null)) return null;
  return {
    kind: 'published',
    method: p.row,
    source: sourceLabel(p),
    seeds: '',
    cells,
    wall: '',
    wallSeconds: null,
    backend: '',
  };
}

const PROVENANCE_NOTE =
  'Published rows are copied from the team reference (spec §6) with its provenance marks: [R] stated in an official repo README (reproduced results, not necessarily the paper’s); [S] a secondary source quoting the paper, unverified. A blank cell: not reported by that source.';

const COMMON_NOTES = [
  'Ours: mean ± sample standard deviation over seeds (a single seed prints the value alone); Seeds gives the count and the seeds. — = no test sample in that shot (metric is null).',
  'Wall time: sum of the `seconds` column of each run’s summary.csv, mean over seeds. Backend: the tfjs backend named in eval/test.json.',
];

function tableFor(dataset: Dataset, spec: TableSpec, groups: RowGroup[], published: PublishedRow[]): ReportTable {
  const entries: { row: string; order: number; tableRow: TableRow }[] = [];
  groups.forEach((g, i) => {
    entries.push({ row: g.row, order: i, tableRow: oursRow(g, spec) });
  });
  published.forEach((p, i) => {
    const r = publishedRow(p, spec);
    if (r) entries.push({ row: p.row, order: groups.length + i, tableRow: r });
  });
  // Paper row order; within one row, ours first, then the sources in the order of paper-numbers.json.
  entries.sort((a, b) => compareRows(a.row, b.row) || a.order - b.order);
  const notes: string[] = [];
  if (dataset === 'imdb-wiki-dir' && spec.id === 'mae') {
    notes.push(
      'The Balanced MSE README’s “MAE” column is bMAE (per-label averaged MAE, spec §5.1); the DIR README reports standard MAE (spec §6.3).',
    );
  }
  notes.push(...groups.flatMap((g) => g.notes));
  return {
    dataset,
    id: spec.id,
    title: spec.title,
    columns: columnsOf(spec),
    rows: entries.map((e) => e.tableRow),
    notes,
  };
}

export interface TablesReport {
  runsDir: string;
  runCount: number;
  tables: ReportTable[];
  /** notes for all tables */
  notes: string[];
  skipped: SkippedRun[];
}

/** The tables of every dataset that has at least one run; published rows only beside datasets we ran. */
export function buildTables(
  runsDir: string,
  groups: readonly RowGroup[],
  skipped: readonly SkippedRun[],
): TablesReport {
  const datasets = [...new Set(groups.map((g) => g.dataset))];
  const tables = datasets.flatMap((d) => {
    const gs = groups.filter((g) => g.dataset === d);
    return tableSpecs(familyOf(d)).map((spec) => tableFor(d, spec, gs, publishedRows(d)));
  });
  const notes = [...COMMON_NOTES];
  if (tables.some((t) => t.rows.some((r) => r.kind === 'published'))) notes.push(PROVENANCE_NOTE);
  const runCount = groups.reduce((s, g) => s + g.runs.length, 0);
  return { runsDir, runCount, tables, notes, skipped: [...skipped] };
}

export function tableHeading(t: ReportTable): string {
  return `${DATASET_TITLES[t.dataset]} (${t.dataset}), test — ${t.title}`;
}
