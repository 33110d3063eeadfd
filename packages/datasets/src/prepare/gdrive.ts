/**
 * Google Drive downloads the way gdown does them (`gdown.download(url)`, used by the official
 * `nyud2-dir/download_nyud2.py`): GET `https://drive.google.com/uc?id=<id>`; a small file comes back at once
 * (Content-Disposition), a large one as a "can't scan this file for viruses" page whose confirmation link or
 * form (`confirm=t` + `uuid`, or a `confirm=<token>` link plus a `download_warning_*` cookie) leads to the file.
 * The file itself then goes through `download` (resume with Range, progress bar, size check).
 */
import { type DownloadOptions, type DownloadResult, download } from './download.js';

/** The NYUD2-DIR zip (`data.zip`): the file id in `nyud2-dir/download_nyud2.py` (official repo, DIR repo and ConR). */
export const NYUD2_GDRIVE_ID = '1WoOZOBpOWfmwe7bknWS5PMUCLBPFKTOw';

const DRIVE = 'https://drive.google.com';
// gdown sends a desktop browser's User-Agent
const USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/39.0.2171.95 Safari/537.36';

/** `https://drive.google.com/uc?id=<id>` (or on `host`, for mirrors and tests). */
export function gdriveUrl(id: string, host = DRIVE): string {
  return `${host.replace(/\/$/, '')}/uc?id=${encodeURIComponent(id)}`;
}

/** The file id of a Drive link (`/file/d/<id>/…`, `?id=<id>`, `open?id=`), or null. */
export function gdriveFileId(url: string): string | null {
  const m = /\/file\/d\/([\w-]+)/.exec(url) ?? /[?&]id=([\w-]+)/.exec(url);
  return m ? m[1] : null;
}

/**
 * A Drive share link (`…/file/d/<id>/view`, `…/open?id=<id>`) as the `uc?id=` download link (gdown's `fuzzy`);
 * a bare file id as its link; any other URL unchanged.
 */
export function normalizeGdriveUrl(urlOrId: string): string {
  if (/^[\w-]{20,}$/.test(urlOrId)) return gdriveUrl(urlOrId);
  let u: URL;
  try {
    u = new URL(urlOrId);
  } catch {
    return urlOrId;
  }
  const id = gdriveFileId(urlOrId);
  if (!id || !/(^|\.)(drive|docs)\.google\.com$/.test(u.hostname) || u.pathname === '/uc') return urlOrId;
  return gdriveUrl(id, u.origin);
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

/** Drive's refusal message (quota exceeded, no access, …) on an HTML page, if any. */
export function gdriveError(html: string): string | null {
  const m = /<p class="uc-error-subcaption">([\s\S]*?)<\/p>/.exec(html);
  return m ? unescapeHtml(m[1].replace(/<[^>]+>/g, '')).trim() : null;
}

/**
 * The next URL from Drive's confirmation page (gdown's `get_url_from_gdrive_confirmation`): a
 * `/uc?export=download…` link, the `download-form` (action + hidden inputs), or a `"downloadUrl"` in page data.
 */
export function gdriveConfirmUrl(html: string, pageUrl: string): string {
  const link = /href="(\/uc\?export=download[^"]+)"/.exec(html);
  if (link) return new URL(unescapeHtml(link[1]), pageUrl).href;
  const form = /<form\b[^>]*\bid="download-form"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (form) {
    const action = /\baction="([^"]*)"/.exec(form[0]);
    const target = new URL(unescapeHtml(action?.[1] ?? ''), pageUrl);
    for (const input of form[1].matchAll(/<input\b[^>]*>/g)) {
      if (!/\btype="hidden"/.test(input[0])) continue;
      const name = /\bname="([^"]*)"/.exec(input[0]);
      const value = /\bvalue="([^"]*)"/.exec(input[0]);
      if (name) target.searchParams.set(unescapeHtml(name[1]), unescapeHtml(value?.[1] ?? ''));
    }
    return target.href;
  }
  const data = /"downloadUrl":"([^"]+)"/.exec(html);
  if (data) return new URL(data[1].replace(/\\u003d/g, '=').replace(/\\u0026/g, '&'), pageUrl).href;
  const err = gdriveError(html);
  throw new Error(
    err ??
      'cannot find the download link on the Google Drive page: the file may not be shared with "anyone with the link", ' +
        'or Drive changed its confirmation page',
  );
}

/** A tiny cookie jar (name=value, any host of the flow): Drive's old flow wants its `download_warning_*` cookie back. */
class Cookies {
  private readonly jar = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      if (i > 0) this.jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  }
  header(): Record<string, string> {
    return this.jar.size ? { Cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }
}

const isHtml = (res: Response) => (res.headers.get('content-type') ?? '').includes('text/html');

/**
 * GET `url` and follow Drive's confirmation pages (at most `maxHops`), sending `headers` (e.g. Range) on every
 * hop and the cookies Drive sets. The first response that has a Content-Disposition or is not HTML is the file's
 * (so a direct URL passes through unchanged); Drive's error pages become errors with Drive's message.
 */
async function followGdrive(
  url: string,
  headers: Record<string, string> = {},
  maxHops = 4,
): Promise<{ res: Response; url: string }> {
  const cookies = new Cookies();
  let current = url;
  for (let hop = 0; hop <= maxHops; hop++) {
    const res = await fetch(current, { headers: { 'User-Agent': USER_AGENT, ...headers, ...cookies.header() } });
    cookies.take(res);
    if (res.headers.get('content-disposition') || !isHtml(res)) return { res, url: current };
    const body = await res.text();
    if (!res.ok) {
      const why = gdriveError(body);
      throw new Error(`GET ${current}: HTTP ${res.status} ${res.statusText}${why ? `: ${why}` : ''}`);
    }
    current = gdriveConfirmUrl(body, res.url || current);
  }
  throw new Error(`${url}: still a Google Drive confirmation page after ${maxHops} hops`);
}

/** The URL that serves the file behind a Drive link, and its file name (the file's response is not read). */
export async function resolveGdrive(url: string): Promise<{ url: string; filename?: string }> {
  const { res, url: fileUrl } = await followGdrive(url);
  await res.body?.cancel().catch(() => {});
  const disposition = res.headers.get('content-disposition');
  const name = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition) : null;
  return { url: fileUrl, filename: name ? decodeURIComponent(name[1]) : undefined };
}

/**
 * `gdown.download(url, dest)` with resume: `download` (`dest.part` + Range, progress bar, size check) through a
 * fetch that follows Drive's confirmation pages, so the resumed request is the one that streams the file.
 */
export function downloadGdrive(
  url: string,
  dest: string,
  opts: Omit<DownloadOptions, 'fetch'> = {},
): Promise<DownloadResult> {
  return download(url, dest, {
    ...opts,
    fetch: async (u, init) => (await followGdrive(u, init.headers)).res,
  });
}
