/** runs/<name>/eval/<split>.json (architecture.md "Run directory"): what `eval`, `tables` and `plots` read. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AgeMetrics, DepthMetrics } from '@bmse/metrics';
import { writeFileAtomic } from '../run/atomic-file.js';
import type { Evaluation } from './evaluate.js';

export interface EvalRecord {
  dataset: string;
  split: 'val' | 'test';
  checkpoint: string;
  name: string;
  row: string;
  seed: number;
  epoch: number;
  backend: string;
  metrics: AgeMetrics | DepthMetrics;
  perLabel: Evaluation['perLabel'];
  trainHistogram: Evaluation['trainHistogram'];
  predictions?: Evaluation['predictions'];
  /** synthetic linear sets: the fitted layer, y = x·weight + bias */
  linear?: { weight: number[][]; bias: number[] };
}

export function writeEvalRecord(runDir: string, r: EvalRecord): string {
  const dir = path.join(runDir, 'eval');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${r.split}.json`);
  writeFileAtomic(file, `${JSON.stringify(r, null, 1)}\n`);
  return file;
}
