/** Mean ± std over seeds of the shot tables, and the text table `pnpm run tutorial` prints. */
import { SHOT_NAMES, type ShotName } from './evaluate.js';
import type { RunResult } from './train.js';

export interface Summary {
  method: string;
  seeds: number;
  /** shot → metric → [mean, std] (std: sample standard deviation; 0 for one seed) */
  test: Record<ShotName, Record<'mse' | 'l1' | 'gmean', [number, number]>>;
  n: Record<ShotName, number>;
}

const meanStd = (xs: number[]): [number, number] => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) : 0;
  return [m, Math.sqrt(v)];
};

export function summarise(runs: RunResult[]): Summary[] {
  const methods = [...new Set(runs.map((r) => r.method))];
  return methods.map((method) => {
    const rs = runs.filter((r) => r.method === method);
    const test = {} as Summary['test'];
    const n = {} as Summary['n'];
    for (const shot of SHOT_NAMES) {
      test[shot] = {
        mse: meanStd(rs.map((r) => r.test[shot].mse)),
        l1: meanStd(rs.map((r) => r.test[shot].l1)),
        gmean: meanStd(rs.map((r) => r.test[shot].gmean)),
      };
      n[shot] = rs[0].test[shot].n;
    }
    return { method, seeds: rs.length, test, n };
  });
}

const fmt = ([m, s]: [number, number], seeds: number) =>
  seeds > 1 ? `${m.toFixed(2)} ± ${s.toFixed(2)}` : m.toFixed(3);

/** One block per metric: rows = methods, columns = All / Many / Medium / Few. */
export function formatTables(summaries: Summary[]): string {
  const seeds = summaries[0]?.seeds ?? 1;
  const n = summaries[0]?.n;
  const head = ['', ...SHOT_NAMES.map((s) => `${s[0].toUpperCase()}${s.slice(1)} (${n?.[s] ?? 0})`)];
  const lines: string[] = [];
  for (const metric of ['mse', 'l1', 'gmean'] as const) {
    const body = summaries.map((s) => [s.method, ...SHOT_NAMES.map((shot) => fmt(s.test[shot][metric], seeds))]);
    const widths = head.map((_, c) => Math.max(...[head, ...body].map((r) => r[c].length)));
    lines.push(
      `test ${metric === 'gmean' ? 'G-mean' : metric.toUpperCase()}${seeds > 1 ? ` (mean ± std over ${seeds} seeds)` : ''}`,
    );
    for (const r of [head, ...body])
      lines.push(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    lines.push('');
  }
  return lines.join('\n');
}
