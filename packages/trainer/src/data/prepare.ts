/**
 * Makes sure a run's dataset is on disk: synthetic sets are generated into `data.dir` when missing
 * (and checked against the generator options recorded in meta.json when present); real datasets
 * must have been prepared with `pnpm run data <dataset> --dir <path>`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeSyntheticAge, writeSyntheticDepth } from '@bmse/datasets';
import { ConfigError } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';

const REQUIRED: Record<string, string> = {
  'imdb-wiki-dir': 'imdb_wiki.csv',
  'agedb-dir': 'agedb.csv',
  'nyud2-dir': 'nyu2_train.csv',
};

/** The generator options of a synthetic image dataset (what writeSyntheticAge / writeSyntheticDepth get). */
function generatorOptions(c: RunConfig) {
  const s = c.data.synthetic;
  if (c.data.dataset === 'synthetic-age')
    return {
      seed: s.seed,
      size: s.size,
      shape: s.shape,
      maxCount: s.maxCount,
      minCount: s.minCount,
      maxSize: s.maxSize,
      noise: s.noise,
    };
  if (c.data.dataset === 'synthetic-depth')
    return {
      seed: s.seed,
      nTrain: s.nTrain,
      nTest: s.nTest,
      width: s.width,
      height: s.height,
      framesPerScene: s.framesPerScene,
      fdsSubset: s.fdsSubset,
      crop: c.data.crop,
      shortSide: c.data.shortSide,
    };
  return null;
}

/** The options that identify a synthetic image dataset (compared with the meta.json its generator wrote). */
export function syntheticIdentity(c: RunConfig): Record<string, unknown> | null {
  const o = generatorOptions(c);
  if (!o) return null;
  if ('size' in o) return { generator: 'synthetic-age', ...o };
  const { framesPerScene: _f, fdsSubset: _s, ...rest } = o;
  return { generator: 'synthetic-depth', ...rest };
}

/** Generates or checks the dataset; `log` receives one line per action. */
export async function ensureDataset(c: RunConfig, log: (line: string) => void = () => {}): Promise<void> {
  const dir = c.data.dir;
  const required = REQUIRED[c.data.dataset];
  if (required) {
    const csv = c.data.csv || required;
    if (!existsSync(path.resolve(dir, csv)))
      throw new ConfigError(
        `data.dir: ${path.resolve(dir, csv)} does not exist. Prepare the dataset first: pnpm run data ${c.data.dataset} --dir ${dir} (see README, "Datasets")`,
      );
    return;
  }
  const identity = syntheticIdentity(c);
  if (!identity) return; // synthetic-1d/-2d are generated in memory
  const meta = path.join(dir, 'meta.json');
  if (existsSync(meta)) {
    const have = JSON.parse(readFileSync(meta, 'utf8')) as Record<string, unknown>;
    const diffs = Object.entries(identity).filter(([k, v]) => JSON.stringify(have[k]) !== JSON.stringify(v));
    if (diffs.length)
      throw new ConfigError(
        `data.dir: ${dir} holds a ${String(have.generator)} dataset generated with other options (${diffs
          .map(([k, v]) => `${k}: ${JSON.stringify(have[k])} there, ${JSON.stringify(v)} in this config`)
          .join('; ')}); choose another data.dir or delete that folder`,
      );
    return;
  }
  const t0 = Date.now();
  log(`generating ${c.data.dataset} into ${dir} ...`);
  // meta.json is written last by the generators, so an interrupted generation is redone
  const o = generatorOptions(c);
  if (o && 'size' in o) await writeSyntheticAge(dir, o);
  else if (o) await writeSyntheticDepth(dir, o);
  log(`generated ${c.data.dataset} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
