/** User mistakes (bad config, missing data, bad input files) print one message; bugs print a stack. */
import { DatasetError } from '@bmse/datasets';
import { LossInputError } from '@bmse/losses';
import { MetricsInputError } from '@bmse/metrics';
import { CheckpointError } from '@bmse/models';
import { ConfigError } from '../config/load.js';

export function isUserError(e: unknown): e is Error {
  return (
    e instanceof ConfigError ||
    e instanceof DatasetError ||
    e instanceof LossInputError ||
    e instanceof MetricsInputError ||
    e instanceof CheckpointError
  );
}

/** Prints the error the way a user should see it and returns the exit code. */
export function reportError(e: unknown): number {
  if (isUserError(e)) {
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  process.stderr.write(`internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}
