/**
 * The run directory's log files (architecture.md "Run directory"): `metrics.jsonl` (one JSON object
 * per logged step / epoch, appended) and `summary.csv` (one row per evaluated epoch, rewritten from
 * the history kept in the checkpoint, so a resumed run's files equal an uninterrupted run's).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';

export interface EpochRow {
  epoch: number;
  lr: number;
  sigma: number | null;
  train_loss: number;
  val_metric: number | null;
  best: boolean;
  images_per_s: number;
  seconds: number;
}

export const SUMMARY_COLUMNS: (keyof EpochRow)[] = [
  'epoch',
  'lr',
  'sigma',
  'train_loss',
  'val_metric',
  'best',
  'images_per_s',
  'seconds',
];

export class RunFiles {
  readonly metricsFile: string;
  readonly summaryFile: string;

  constructor(readonly dir: string) {
    this.metricsFile = path.join(dir, 'metrics.jsonl');
    this.summaryFile = path.join(dir, 'summary.csv');
  }

  appendMetrics(entry: Record<string, unknown>): void {
    appendFileSync(this.metricsFile, `${JSON.stringify(entry)}\n`);
  }

  writeSummary(rows: EpochRow[]): void {
    const records = rows.map((r) => SUMMARY_COLUMNS.map((k) => (r[k] == null ? '' : String(r[k]))));
    writeFileSync(this.summaryFile, stringify(records, { header: true, columns: SUMMARY_COLUMNS as string[] }));
  }

  /** Drops metrics.jsonl entries written after the checkpoint a resumed run continues from. */
  truncateMetricsAfter(step: number, epoch: number): void {
    if (!existsSync(this.metricsFile)) return;
    const keep = readFileSync(this.metricsFile, 'utf8')
      .split('\n')
      .filter((line) => {
        if (!line.trim()) return false;
        try {
          const e = JSON.parse(line) as { type?: string; step?: number; epoch?: number };
          if (e.type === 'epoch') return (e.epoch ?? 0) < epoch;
          if (e.type === 'step') return (e.step ?? 0) <= step;
          return true;
        } catch {
          return false; // a line cut by a crash
        }
      });
    writeFileSync(this.metricsFile, keep.map((l) => `${l}\n`).join(''));
  }
}
