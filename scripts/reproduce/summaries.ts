/** Copies a run's summary files (no checkpoints) into <out>/runs/<name>, for the tables and docs/results. */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export function copySummary(runDir: string, out: string, name: string): void {
  const dest = path.join(out, 'runs', name);
  mkdirSync(path.join(dest, 'eval'), { recursive: true });
  for (const f of ['config.yaml', 'summary.csv', 'metrics.jsonl', 'eval/test.json', 'eval/val.json'])
    if (existsSync(path.join(runDir, f))) cpSync(path.join(runDir, f), path.join(dest, f));
}
