/** The final shot table in the paper's layout: metrics down, All / Many / Medium / Few across. */
import type { AgeMetrics, DepthMetrics } from '@bmse/metrics';

const COLUMNS = ['all', 'many', 'medium', 'few'] as const;
const HEAD = ['All', 'Many', 'Medium', 'Few'];

const AGE_ROWS: [string, string, number][] = [
  ['bMAE', 'bmae', 3],
  ['MAE', 'mae', 3],
  ['GM', 'gm', 3],
  ['bMSE', 'bmse', 3],
  ['MSE', 'mse', 3],
  ['samples', 'n', 0],
];
const DEPTH_ROWS: [string, string, number][] = [
  ['RMSE', 'rmse', 3],
  ['MAE', 'mae', 3],
  ['AbsRel', 'absRel', 3],
  ['log10', 'log10', 3],
  ['δ1', 'delta1', 3],
  ['δ2', 'delta2', 3],
  ['δ3', 'delta3', 3],
  ['pixels', 'n', 0],
];

export function isDepthMetrics(m: AgeMetrics | DepthMetrics): m is DepthMetrics {
  return 'rmse' in m.all;
}

/** A fixed-width text table (what `train` and `eval` print). */
export function formatShotTable(metrics: AgeMetrics | DepthMetrics, title = ''): string {
  const rows = isDepthMetrics(metrics) ? DEPTH_ROWS : AGE_ROWS;
  const cell = (v: unknown, digits: number) =>
    v == null ? '—' : typeof v === 'number' ? v.toFixed(digits) : String(v);
  const table = rows.map(([label, key, digits]) => [
    label,
    ...COLUMNS.map((col) => cell((metrics[col] as unknown as Record<string, unknown>)[key], digits)),
  ]);
  const all = [['', ...HEAD], ...table];
  const widths = all[0].map((_, j) => Math.max(...all.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((v, j) => (j === 0 ? v.padEnd(widths[j]) : v.padStart(widths[j]))).join('  ');
  return [title, ...all.map(line)].filter((l) => l !== '').join('\n');
}
