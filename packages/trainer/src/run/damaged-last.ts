/** `train --resume` on a `last` checkpoint that cannot be loaded: say so, and whether `best` is still usable (issue #16). */
import path from 'node:path';
import { CheckpointError, verifyCheckpoint } from '@bmse/models';

/** The error `--resume <runDir>` reports when checkpoints/last is damaged; names the state of checkpoints/best. */
export async function damagedLastError(runDir: string, cause: CheckpointError): Promise<CheckpointError> {
  const best = path.join(runDir, 'checkpoints', 'best');
  const verdict = await verifyCheckpoint(best).then(
    () => `${best} is intact: evaluate it with \`pnpm run eval --checkpoint ${best}\`, or train again into a new --out`,
    (e: unknown) =>
      e instanceof CheckpointError
        ? `${best} cannot be used either (${e.message}); train again into a new --out`
        : Promise.reject(e),
  );
  return new CheckpointError(
    `--resume ${runDir}: cannot continue, checkpoints/last is damaged: ${cause.message}\n${verdict}`,
  );
}
