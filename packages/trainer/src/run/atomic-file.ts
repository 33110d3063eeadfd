/** Writes a file atomically (temporary file in the same folder, then rename): a crash never leaves half a file. */
import { renameSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
