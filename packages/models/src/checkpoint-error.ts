/**
 * A checkpoint that cannot be used as it is on disk: a file missing, not valid JSON, of the wrong size, or from
 * another network or optimizer. The message names the file and what is wrong; it is bad input, not a bug.
 */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}
