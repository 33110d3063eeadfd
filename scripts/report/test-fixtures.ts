/** Test helpers: fake run directories in the trainer's layout (config.yaml, summary.csv, eval/test.json). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

export type Region = Record<string, number | null>;

export interface FakeRun {
  name: string;
  row: string;
  seed: number;
  dataset: string;
  metrics: { all: Region; many: Region; medium: Region; few: Region };
  /** per-epoch seconds for summary.csv; no summary.csv when undefined */
  seconds?: number[];
  backend?: string;
  /** extra top-level fields of eval/test.json (perLabel, trainHistogram, predictions, linear) */
  extra?: Record<string, unknown>;
  /** write no eval/test.json */
  noEval?: boolean;
}

export async function tempDir(prefix = 'bmse-report-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** An age-like region: { n, numLabels, mse, mae, gm, bmse, bmae }. */
export function ageRegion(
  n: number,
  v: { mse: number; mae: number; gm: number; bmse: number; bmae: number } | null,
): Region {
  if (v === null) return { n, numLabels: 0, mse: null, mae: null, gm: null, bmse: null, bmae: null };
  return { n, numLabels: 3, ...v };
}

/** A depth region: { n, rmse, mae, absRel, log10, delta1, delta2, delta3 }. */
export function depthRegion(n: number, rmse: number, delta1: number): Region {
  return { n, rmse, mae: rmse * 0.8, absRel: 0.2, log10: 0.08, delta1, delta2: 0.9, delta3: 0.97 };
}

export async function writeRun(root: string, run: FakeRun): Promise<string> {
  const dir = path.join(root, run.name);
  await fs.mkdir(path.join(dir, 'eval'), { recursive: true });
  const config = {
    name: run.name,
    row: run.row,
    seed: run.seed,
    data: { dataset: run.dataset, dir: `data/${run.dataset}`, batchSize: 256 },
    optim: { lr: 0.001 },
  };
  await fs.writeFile(path.join(dir, 'config.yaml'), stringify(config));
  if (run.seconds) {
    const lines = ['epoch,lr,sigma,train_loss,val_metric,best,images_per_s,seconds'];
    run.seconds.forEach((s, i) => {
      lines.push(`${i + 1},0.001,1,0.5,3.2,${i === 0 ? 1 : 0},100,${s}`);
    });
    await fs.writeFile(path.join(dir, 'summary.csv'), `${lines.join('\n')}\n`);
  }
  if (!run.noEval) {
    const doc = {
      dataset: run.dataset,
      split: 'test',
      checkpoint: `${dir}/checkpoints/best`,
      name: run.name,
      row: run.row,
      seed: run.seed,
      epoch: 3,
      backend: run.backend ?? 'wasm',
      metrics: run.metrics,
      ...run.extra,
    };
    await fs.writeFile(path.join(dir, 'eval', 'test.json'), JSON.stringify(doc, null, 2));
  }
  return dir;
}
