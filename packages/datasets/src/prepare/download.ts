/** Resumable HTTP(S) download: `<dest>.part` grows with Range requests, size/sha256 checked, then renamed. */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';

export interface DownloadOptions {
  /** expected size in bytes (checked when known, also from Content-Length / Content-Range) */
  size?: number;
  sha256?: string;
  /** show a cli-progress bar (default: when stderr is a TTY) */
  progress?: boolean;
  /** extra request headers (cookies, User-Agent) */
  headers?: Record<string, string>;
  /** label of the progress bar (default: the destination file) */
  label?: string;
  /** replaces `fetch` (e.g. one that follows Google Drive's confirmation pages; see gdrive.ts) */
  fetch?: (url: string, init: { headers: Record<string, string> }) => Promise<Response>;
}

export interface DownloadResult {
  file: string;
  bytes: number;
  /** bytes already present from an earlier partial download */
  resumedFrom: number;
  skipped: boolean;
}

const statSize = (f: string) =>
  fs.stat(f).then(
    (s) => s.size,
    () => -1,
  );

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const done = await statSize(dest);
  if (done >= 0 && (opts.size === undefined || done === opts.size))
    return { file: dest, bytes: done, resumedFrom: done, skipped: true };
  const part = `${dest}.part`;
  let have = Math.max(0, await statSize(part));
  const get = opts.fetch ?? ((u: string, init: { headers: Record<string, string> }) => fetch(u, init));
  const res = await get(url, { headers: { ...opts.headers, ...(have > 0 ? { Range: `bytes=${have}-` } : {}) } });
  if (res.status === 416 && opts.size !== undefined && have === opts.size) {
    await fs.rename(part, dest);
    return { file: dest, bytes: have, resumedFrom: have, skipped: false };
  }
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status} ${res.statusText}`);
  if (res.status !== 206) have = 0; // the server ignored the Range header: start over
  const resumedFrom = have;
  const range = res.headers.get('content-range');
  const total = range ? Number(range.split('/')[1]) : have + Number(res.headers.get('content-length') ?? Number.NaN);
  const expected = opts.size ?? (Number.isFinite(total) ? total : undefined);
  const bar =
    (opts.progress ?? process.stderr.isTTY)
      ? new cliProgress.SingleBar(
          { format: `${opts.label ?? dest} [{bar}] {percentage}% {value}/{total} bytes` },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(expected ?? 0, have);
  let got = have;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      got += chunk.length;
      bar?.update(got);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
      counter,
      createWriteStream(part, { flags: have > 0 ? 'a' : 'w' }),
    );
  } finally {
    bar?.stop();
  }
  const size = await statSize(part);
  if (expected !== undefined && size !== expected)
    throw new Error(`${url}: got ${size} of ${expected} bytes; run again to resume from ${part}`);
  if (opts.sha256) {
    const sum = await sha256Of(part);
    if (sum !== opts.sha256.toLowerCase()) {
      await fs.rm(part);
      throw new Error(`${url}: sha256 ${sum} does not match ${opts.sha256}; the partial file was removed`);
    }
  }
  await fs.rename(part, dest);
  return { file: dest, bytes: size, resumedFrom, skipped: false };
}
