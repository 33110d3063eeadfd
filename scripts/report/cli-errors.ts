/** Runs a CLI body: a ReportError (a user mistake) prints one line and exits 1; anything else is a bug and keeps its stack trace. */
import { ReportError } from './errors.js';

export async function reportErrors(command: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!(e instanceof ReportError)) throw e;
    process.stderr.write(`${command}: ${e.message}\n`);
    process.exitCode = 1;
  }
}
