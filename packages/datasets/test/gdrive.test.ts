/** NYUD2-DIR from Google Drive as gdown fetches it, against a 127.0.0.1 server that imitates Drive's pages. */
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadGdrive,
  gdriveConfirmUrl,
  NYUD2_GDRIVE_ID,
  normalizeGdriveUrl,
  prepareDataset,
  resolveGdrive,
  writeNyud2Fixture,
} from '../src/index.js';
import { sendRange } from './helpers/range-response.js';
import { makeZip } from './helpers/zip.js';

const OLD_ID = 'old-style-file-id-0123456789';
const SMALL_ID = 'small-file-id-0123456789abc';
const QUOTA_ID = 'quota-file-id-0123456789abc';
const UUID = '4b0e6a1c-7d6f-4c3e-9a51-2f1de0c8b7aa';
const TOKEN = 'Xy7Q';

let server: http.Server;
let base: string;
let root: string;
let zip: Buffer;
const small = Buffer.from('a small file Drive serves without a confirmation page');
const requests: { url: string; range?: string; cookie?: string }[] = [];
const cut = { next: 0 }; // close the connection after this many bytes of the next file response

const page = (body: string) =>
  `<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head><body>${body}</body></html>`;

function sendFile(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, name: string) {
  sendRange(req, res, body, cut, {
    'content-type': 'application/octet-stream',
    'content-disposition': `attachment; filename="${name}"`,
  });
}

function drive(req: http.IncomingMessage, res: http.ServerResponse) {
  const u = new URL(req.url!, base);
  requests.push({ url: req.url!, range: req.headers.range, cookie: req.headers.cookie });
  const id = u.searchParams.get('id');
  const html = (status: number, body: string, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(page(body));
  if (u.pathname === '/uc' && id === NYUD2_GDRIVE_ID)
    // 2024 Drive: a form to drive.usercontent.google.com/download with confirm=t and a uuid
    return html(
      200,
      `<p class="uc-warning-subcaption">data.zip (4.1G) is too large for Google to scan for viruses.</p>` +
        `<form id="download-form" action="${base}/download" method="get">` +
        `<input type="submit" id="uc-download-link" value="Download anyway"/>` +
        `<input type="hidden" name="id" value="${id}"><input type="hidden" name="export" value="download">` +
        `<input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="${UUID}"></form>`,
    );
  if (u.pathname === '/download' && id === NYUD2_GDRIVE_ID) {
    if (u.searchParams.get('confirm') !== 't' || u.searchParams.get('uuid') !== UUID) return html(400, 'bad request');
    return sendFile(req, res, zip, 'data.zip');
  }
  if (u.pathname === '/uc' && id === OLD_ID) {
    // older Drive: a confirm=<token> link, and the token again in a download_warning cookie
    if (
      u.searchParams.get('confirm') === TOKEN &&
      (req.headers.cookie ?? '').includes(`download_warning_13058=${TOKEN}`)
    )
      return sendFile(req, res, small, 'old.bin');
    return html(
      200,
      `<a id="uc-download-link" href="/uc?export=download&amp;confirm=${TOKEN}&amp;id=${id}">Download anyway</a>`,
      {
        'set-cookie': `download_warning_13058=${TOKEN}; Path=/; HttpOnly`,
      },
    );
  }
  if (u.pathname === '/uc' && id === SMALL_ID) return sendFile(req, res, small, 'small.txt');
  if (u.pathname === '/uc' && id === QUOTA_ID)
    return html(
      200,
      '<p class="uc-error-caption">Sorry, you can&#39;t view or download this file at this time.</p>' +
        '<p class="uc-error-subcaption">Too many users have viewed or downloaded this file recently. Please try accessing the file again later.</p>',
    );
  res.writeHead(404).end();
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gdrive-'));
  // the official zip wraps the NYUD2-DIR folder in data/
  const src = path.join(root, 'zip-src');
  await writeNyud2Fixture(src, { train: 3, test: 1, width: 32, height: 24 });
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }))
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else files.push(path.relative(src, path.join(d, e.name)));
  };
  await walk(src);
  zip = makeZip(
    await Promise.all(
      files.sort().map(async (f) => ({
        name: `data/${f.split(path.sep).join('/')}`,
        data: await fs.readFile(path.join(src, f)),
      })),
    ),
  );
  server = http.createServer(drive);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('Google Drive confirmation pages (gdown)', () => {
  it('reads the download form, the confirm link and "downloadUrl" page data', () => {
    expect(
      gdriveConfirmUrl(
        '<form id="download-form" action="https://drive.usercontent.google.com/download" method="get">' +
          '<input type="hidden" name="id" value="abc"><input type="hidden" name="confirm" value="t">' +
          '<input type="hidden" name="uuid" value="u-1"></form>',
        'https://drive.google.com/uc?id=abc',
      ),
    ).toBe('https://drive.usercontent.google.com/download?id=abc&confirm=t&uuid=u-1');
    expect(
      gdriveConfirmUrl(
        '<a href="/uc?export=download&amp;confirm=Q1&amp;id=abc">',
        'https://drive.google.com/uc?id=abc',
      ),
    ).toBe('https://drive.google.com/uc?export=download&confirm=Q1&id=abc');
    expect(
      gdriveConfirmUrl(
        '{"downloadUrl":"https://x.googleusercontent.com/d?e\\u003ddownload\\u0026id\\u003dabc"}',
        'https://drive.google.com/',
      ),
    ).toBe('https://x.googleusercontent.com/d?e=download&id=abc');
    expect(() =>
      gdriveConfirmUrl('<p class="uc-error-subcaption">No access.</p>', 'https://drive.google.com/'),
    ).toThrow('No access.');
    expect(() => gdriveConfirmUrl('<html>sign in</html>', 'https://drive.google.com/')).toThrow(/anyone with the link/);
  });

  it('turns share links and file ids into uc?id= links', () => {
    expect(
      normalizeGdriveUrl('https://drive.google.com/file/d/1WoOZOBpOWfmwe7bknWS5PMUCLBPFKTOw/view?usp=sharing'),
    ).toBe('https://drive.google.com/uc?id=1WoOZOBpOWfmwe7bknWS5PMUCLBPFKTOw');
    expect(normalizeGdriveUrl(NYUD2_GDRIVE_ID)).toBe(`https://drive.google.com/uc?id=${NYUD2_GDRIVE_ID}`);
    expect(normalizeGdriveUrl('https://example.org/nyu.zip')).toBe('https://example.org/nyu.zip');
  });

  it('older flow: confirm token link + download_warning cookie; small files come at once', async () => {
    requests.length = 0;
    const r = await resolveGdrive(`${base}/uc?id=${OLD_ID}`);
    expect(r.url).toBe(`${base}/uc?export=download&confirm=${TOKEN}&id=${OLD_ID}`);
    expect(r.filename).toBe('old.bin');
    expect(requests[1].cookie).toBe(`download_warning_13058=${TOKEN}`);
    const dest = path.join(root, 'old.bin');
    await downloadGdrive(`${base}/uc?id=${OLD_ID}`, dest, { progress: false });
    expect(await fs.readFile(dest)).toEqual(small);
    const direct = await resolveGdrive(`${base}/uc?id=${SMALL_ID}`);
    expect(direct.url).toBe(`${base}/uc?id=${SMALL_ID}`);
  });

  it("Drive's refusal (quota) is an error with Drive's message, and no partial file is written", async () => {
    const dest = path.join(root, 'quota.zip');
    await expect(downloadGdrive(`${base}/uc?id=${QUOTA_ID}`, dest, { progress: false })).rejects.toThrow(
      /Too many users have viewed or downloaded this file recently/,
    );
    await expect(fs.stat(`${dest}.part`)).rejects.toThrow();
  });
});

describe('pnpm run data nyud2-dir: download from Google Drive', () => {
  it('confirm=t form, a dropped connection resumed with Range, then extracted and flattened', async () => {
    const dir = path.join(root, 'nyu');
    cut.next = 4000;
    const lines: string[] = [];
    const opts = { dir, baseUrl: base, progress: false, log: (l: string) => lines.push(l) };
    await expect(prepareDataset('nyud2-dir', opts)).rejects.toThrow(/NYUD2-DIR download failed.*\n.*resume/);
    expect((await fs.stat(path.join(dir, 'data.zip.part'))).size).toBe(4000);
    requests.length = 0;
    const { missing } = await prepareDataset('nyud2-dir', opts);
    // the Range header goes along every hop: the confirmation page ignores it, the file answers 206
    expect(requests.map((r) => [r.url.split('?')[0], r.range])).toEqual([
      ['/uc', 'bytes=4000-'],
      ['/download', 'bytes=4000-'],
    ]);
    expect(missing).toEqual([]);
    expect(lines.join('\n')).toMatch(/resumed at 4000/);
    const entries = await fs.readdir(dir);
    expect(entries).not.toContain('data.zip');
    expect(entries).not.toContain('data');
    expect((await fs.readFile(path.join(dir, 'nyu2_train.csv'), 'utf8')).split('\n')[0]).toBe(
      'data/nyu2_train/scene_0_out/0.jpg,data/nyu2_train/scene_0_out/0.png',
    );
    // complete: a second run downloads nothing
    requests.length = 0;
    expect((await prepareDataset('nyud2-dir', opts)).missing).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('--url names another zip (here a direct link); --no-download only prints the steps', async () => {
    const dir = path.join(root, 'nyu-url');
    const lines: string[] = [];
    const { missing } = await prepareDataset('nyud2-dir', {
      dir,
      url: `${base}/download?id=${NYUD2_GDRIVE_ID}&export=download&confirm=t&uuid=${UUID}`,
      progress: false,
      log: (l) => lines.push(l),
    });
    expect(missing).toEqual([]);
    const off: string[] = [];
    const r = await prepareDataset('nyud2-dir', {
      dir: path.join(root, 'nyu-off'),
      download: false,
      log: (l) => off.push(l),
    });
    expect(r.missing.length).toBeGreaterThan(0);
    expect(off[0]).toMatch(/download_nyud2\.py .*1WoOZOBpOWfmwe7bknWS5PMUCLBPFKTOw.*--archive/);
  });
});
