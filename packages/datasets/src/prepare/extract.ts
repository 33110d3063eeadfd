/** Archive extraction: tar (node-tar) and zip (yauzl), refusing entries that escape the target folder. */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';

export async function extractArchive(file: string, cwd: string): Promise<void> {
  await fs.mkdir(cwd, { recursive: true });
  if (/\.zip$/i.test(file)) return extractZip(file, cwd);
  await tar.x({ file, cwd }); // node-tar strips absolute paths and '..' by default
}

function extractZip(file: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error(`cannot open ${file}`));
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const target = path.resolve(cwd, entry.fileName);
        if (!target.startsWith(path.resolve(cwd) + path.sep))
          return reject(new Error(`${file}: entry ${entry.fileName} escapes ${cwd}`));
        if (entry.fileName.endsWith('/')) {
          fs.mkdir(target, { recursive: true }).then(() => zip.readEntry(), reject);
          return;
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          fs.mkdir(path.dirname(target), { recursive: true })
            .then(() => pipeline(stream, createWriteStream(target)))
            .then(() => zip.readEntry(), reject);
        });
      });
      zip.readEntry();
    });
  });
}
