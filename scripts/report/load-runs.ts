/** Scans a runs folder for `<runs>/<name>/eval/<split>.json` with its config.yaml and summary.csv (architecture.md "Run directory"). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ReportError } from './errors.js';
import { type EvalResult, readEvalResult } from './eval-file.js';
import { type RunConfig, readRunConfig } from './run-config.js';
import { readWallSeconds } from './summary-file.js';

export interface Run {
  dir: string;
  config: RunConfig;
  eval: EvalResult;
  /** sum of summary.csv `seconds`; null without a summary.csv */
  wallSeconds: number | null;
}

export interface SkippedRun {
  name: string;
  reason: string;
}

export interface LoadedRuns {
  runsDir: string;
  runs: Run[];
  skipped: SkippedRun[];
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** Loads every evaluated run; throws a ReportError when the folder is missing or holds no evaluated run. */
export async function loadRuns(runsDir: string, split = 'test'): Promise<LoadedRuns> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(runsDir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${code})`;
    throw new ReportError(
      `runs folder ${path.resolve(runsDir)} ${why}; train and evaluate a run first, or pass --runs <dir>`,
    );
  }
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const runs: Run[] = [];
  const skipped: SkippedRun[] = [];
  for (const name of names) {
    const dir = path.join(runsDir, name);
    const evalFile = path.join(dir, 'eval', `${split}.json`);
    const configFile = path.join(dir, 'config.yaml');
    if (!(await exists(evalFile))) {
      skipped.push({ name, reason: `no eval/${split}.json` });
      continue;
    }
    if (!(await exists(configFile))) {
      skipped.push({ name, reason: 'no config.yaml' });
      continue;
    }
    const config = await readRunConfig(configFile);
    const evalResult = await readEvalResult(evalFile);
    if (evalResult.dataset !== config.dataset) {
      throw new ReportError(
        `${evalFile}: field "dataset" is "${evalResult.dataset}" but ${configFile} has data.dataset "${config.dataset}"`,
      );
    }
    runs.push({ dir, config, eval: evalResult, wallSeconds: await readWallSeconds(path.join(dir, 'summary.csv')) });
  }
  if (runs.length === 0) {
    const note = skipped.length
      ? ` (${skipped.length} folder(s) skipped: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`
      : '';
    throw new ReportError(
      `no evaluated runs found: looked for ${path.join(path.resolve(runsDir), '*', 'eval', `${split}.json`)}${note}`,
    );
  }
  return { runsDir, runs, skipped };
}
