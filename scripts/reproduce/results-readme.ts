/** docs/results/README.md: how the committed reproduction was made (commands, machine, backend, wall time per part). */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PARTS, type PlannedRun } from './plan.js';

export interface Timing {
  name: string;
  part: PlannedRun['part'];
  config: string;
  seed: number;
  seconds: number;
  status: number | null;
}

const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;

function backendOf(out: string, name: string): string {
  const f = path.join(out, 'runs', name, 'eval', 'test.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { backend: string }).backend : '—';
}

export function writeResultsReadme(out: string, timings: Timing[]): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Reproduction on a 2-core CPU',
    '',
    `Made by \`pnpm run reproduce\` (scripts/reproduce) on ${cpu}, ${os.cpus().length} cores, Node ${process.version}; each run is`,
    '`pnpm run train --config <file> --set seed=<s>` in its own process. Wall times include data generation,',
    'per-epoch evaluation and the final test evaluation, measured on a shared VM (other jobs were running part of the time).',
    '',
    '| part | runs | backend | wall time |',
    '| --- | --- | --- | ---: |',
  ];
  let total = 0;
  for (const part of PARTS) {
    const ts = timings.filter((t) => t.part === part);
    if (!ts.length) continue;
    const s = ts.reduce((a, t) => a + t.seconds, 0);
    total += s;
    const failed = ts.filter((t) => t.status !== 0).length;
    lines.push(
      `| ${part} | ${ts.length}${failed ? ` (${failed} failed)` : ''} | ${backendOf(out, ts[0].name)} | ${minutes(s)} |`,
    );
  }
  lines.push(
    `| **total** | ${timings.length} | | **${minutes(total)}** |`,
    '',
    '## Runs',
    '',
    '| run | config | seed | wall time |',
    '| --- | --- | ---: | ---: |',
  );
  for (const t of timings) lines.push(`| ${t.name} | \`${t.config}\` | ${t.seed} | ${minutes(t.seconds)} |`);
  lines.push(
    '',
    '## Tables',
    '',
    'See [tables.md](tables.md) (regenerate: `pnpm run tables --runs docs/results/runs --out docs/results/tables.md`).',
    '',
    '## Figures',
    '',
  );
  const figs = path.join(out, 'figures');
  if (existsSync(figs))
    for (const f of readdirSync(figs)
      .filter((f) => f.endsWith('.png'))
      .sort())
      lines.push(`![${f}](figures/${f})`, '');
  const file = path.join(out, 'README.md');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
