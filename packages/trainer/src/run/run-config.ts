/** Reads a run folder's resolved config.yaml back (for --resume and eval). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, readConfigFile, resolveConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';

export function readRunConfig(runDir: string): RunConfig {
  const file = path.join(runDir, 'config.yaml');
  if (!existsSync(file))
    throw new ConfigError(`${runDir}: no config.yaml (is it a run folder written by pnpm run train?)`);
  return resolveConfig(readConfigFile(file), { source: file });
}
