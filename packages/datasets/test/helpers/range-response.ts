/** A test server's file response with HTTP Range support and an optional dropped connection. */
import type http from 'node:http';

/** `cut.next` > 0: send only that many bytes of this response, then drop the connection (once). */
export function sendRange(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  cut: { next: number },
  extraHeaders: Record<string, string> = {},
): void {
  const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const headers: Record<string, string | number> = {
    ...extraHeaders,
    'content-length': body.length - start,
    'accept-ranges': 'bytes',
  };
  if (m) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  res.writeHead(m ? 206 : 200, headers);
  if (cut.next > 0) {
    const n = cut.next;
    cut.next = 0;
    res.write(body.subarray(start, start + n), () => setTimeout(() => res.destroy(), 100));
  } else res.end(body.subarray(start));
}
