/** Writes a directory atomically: files go to a temporary sibling, which is then renamed over `dir`. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

async function writeSynced(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Replaces `dir` with a directory holding exactly `files` (name → content); readers never see a partial directory. */
export async function writeDirAtomic(dir: string, files: Record<string, Uint8Array | string>): Promise<void> {
  const abs = path.resolve(dir);
  await mkdir(path.dirname(abs), { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = `${abs}.tmp-${tag}`;
  await mkdir(tmp);
  try {
    for (const [name, data] of Object.entries(files)) await writeSynced(path.join(tmp, name), data);
    if (await exists(abs)) {
      const old = `${abs}.old-${tag}`;
      await rename(abs, old);
      await rename(tmp, abs);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, abs);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
