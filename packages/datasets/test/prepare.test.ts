import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, prepareDataset, writeAgeFixture } from '../src/index.js';
import { sendRange } from './helpers/range-response.js';

let server: http.Server;
let base: string;
let root: string;
const files = new Map<string, Buffer>();
const requests: { url: string; range?: string }[] = [];
const cut = { next: 0 }; // close the connection after this many bytes on the next request (simulates a dropped download)

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'prep-'));
  // two small tar archives shaped like the ETH face crops
  for (const name of ['imdb_crop', 'wiki_crop']) {
    const src = path.join(root, 'src');
    await fs.mkdir(path.join(src, name, '00'), { recursive: true });
    for (let i = 0; i < 20; i++) await fs.writeFile(path.join(src, name, '00', `${i}.jpg`), Buffer.alloc(200, i));
    const file = path.join(root, `${name}.tar`);
    await tar.c({ file, cwd: src }, [name]);
    files.set(`/${name}.tar`, await fs.readFile(file));
  }
  server = http.createServer((req, res) => {
    requests.push({ url: req.url!, range: req.headers.range });
    const body = files.get(req.url!);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    sendRange(req, res, body, cut);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('download', () => {
  it('resumes a dropped download with a Range request and checks size and sha256', async () => {
    const dest = path.join(root, 'dl', 'imdb_crop.tar');
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const body = files.get('/imdb_crop.tar')!;
    cut.next = 1000;
    await expect(download(`${base}/imdb_crop.tar`, dest, { progress: false })).rejects.toThrow();
    expect((await fs.stat(`${dest}.part`)).size).toBe(1000);
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(body).digest('hex');
    requests.length = 0;
    const r = await download(`${base}/imdb_crop.tar`, dest, { progress: false, sha256 });
    expect(requests).toEqual([{ url: '/imdb_crop.tar', range: 'bytes=1000-' }]);
    expect(r).toEqual({ file: dest, bytes: body.length, resumedFrom: 1000, skipped: false });
    expect(await fs.readFile(dest)).toEqual(body);
    expect((await download(`${base}/imdb_crop.tar`, dest, { size: body.length })).skipped).toBe(true);
  });

  it('rejects a wrong checksum and reports HTTP errors', async () => {
    const dest = path.join(root, 'dl2', 'wiki_crop.tar');
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await expect(download(`${base}/wiki_crop.tar`, dest, { sha256: '00', progress: false })).rejects.toThrow(
      /sha256 .* does not match 00/,
    );
    await expect(download(`${base}/nope.tar`, dest, { progress: false })).rejects.toThrow(/HTTP 404/);
  });
});

describe('prepareDataset', () => {
  it('imdb-wiki-dir: downloads and extracts both archives, then says how to get imdb_wiki.csv', async () => {
    const dir = path.join(root, 'imdb');
    const lines: string[] = [];
    const { missing } = await prepareDataset('imdb-wiki-dir', {
      dir,
      baseUrl: base,
      log: (l) => lines.push(l),
      progress: false,
    });
    expect(missing).toEqual(['imdb_wiki.csv']);
    expect((await fs.readdir(path.join(dir, 'imdb_crop', '00'))).length).toBe(20);
    expect(await fs.readFile(path.join(dir, 'wiki_crop', '00', '3.jpg'))).toEqual(Buffer.alloc(200, 3));
    expect(await fs.readdir(dir)).not.toContain('imdb_crop.tar');
    expect(lines.join('\n')).toMatch(/imdb-wiki-dir\/data\/imdb_wiki\.csv/);
  });

  it('nyud2-dir with downloads off and agedb-dir without archives print what to fetch by hand', async () => {
    const lines: string[] = [];
    await prepareDataset('nyud2-dir', { dir: path.join(root, 'nyu'), download: false, log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/download_nyud2\.py/);
    const agedb = path.join(root, 'agedb');
    await writeAgeFixture(agedb, { kind: 'agedb' });
    await fs.rm(path.join(agedb, 'agedb.csv'));
    const r = await prepareDataset('agedb-dir', { dir: agedb, log: (l) => lines.push(l) });
    expect(r.missing).toEqual([]);
    expect((await fs.readFile(path.join(agedb, 'agedb.csv'), 'utf8')).split('\n')[0]).toBe('age,path,split');
  });
});
