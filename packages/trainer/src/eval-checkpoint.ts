/** `eval --checkpoint`: rebuilds the run's data and network from a checkpoint and evaluates a split. */
import path from 'node:path';
import { loadCheckpoint, readCheckpointInfo } from '@bmse/models';
import { ConfigError, resolveConfig } from './config/load.js';
import type { ConfigInput, RunConfig } from './config/schema.js';
import { ensureDataset } from './data/prepare.js';
import { openTaskData } from './data/task-data.js';
import type { EvalRecord } from './eval/record.js';
import { resolveCheckpointDir } from './model/build.js';
import { evaluateAndRecord } from './train.js';

async function prepare(checkpoint: string): Promise<{ dir: string; runDir: string; config: RunConfig }> {
  const dir = resolveCheckpointDir(checkpoint);
  const info = await readCheckpointInfo(dir);
  if (!info.state.config)
    throw new ConfigError(`${dir}: the checkpoint holds no run config (not written by pnpm run train)`);
  const config = resolveConfig(info.state.config as ConfigInput, { source: path.join(dir, 'state.json') });
  // runs/<name>/checkpoints/<which> → runs/<name>
  const parent = path.dirname(dir);
  const runDir = path.basename(parent) === 'checkpoints' ? path.dirname(parent) : dir;
  return { dir, runDir, config };
}

export async function evaluateCheckpoint(
  checkpoint: string,
  split: 'val' | 'test',
  opts: { backend: string },
): Promise<{ record: EvalRecord; file: string }> {
  const { dir, runDir, config } = await prepare(checkpoint);
  await ensureDataset(config);
  const data = await openTaskData(config);
  if (!data.hasSplit(split)) throw new ConfigError(`${config.data.dataset} has no ${split} split; use --split test`);
  const { model } = await loadCheckpoint(dir);
  try {
    const record = await evaluateAndRecord(model, data, config, split, {
      runDir,
      checkpoint: dir,
      epoch: (await readCheckpointInfo(dir)).state.epoch,
      backend: opts.backend,
    });
    return { record, file: path.join(runDir, 'eval', `${split}.json`) };
  } finally {
    model.dispose();
  }
}
evaluateCheckpoint.prepare = prepare;
