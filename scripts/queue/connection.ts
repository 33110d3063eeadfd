/**
 * `--queue redis://[user:pass@]host:port[/db]`: parses the URL, plugs our RESP client into
 * BullMQ (RedisConnection.clientFactory) and checks that Redis answers, with one-line errors.
 */
import { RedisConnection } from 'bullmq';
import { RespClient, type RespOptions } from './resp-client.js';

/** A user-facing problem with the queue (bad URL, Redis down, another plan under the name). */
export class QueueError extends Error {}

/** redis://host:port/db → connection options (port 6379 and db 0 by default). */
export function parseRedisUrl(url: string): RespOptions {
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {}
  const problem = !u
    ? 'not a URL'
    : u.protocol !== 'redis:'
      ? 'the scheme must be redis://'
      : !u.hostname
        ? 'a host is needed'
        : !/^\/?(\d+)?$/.test(u.pathname)
          ? 'the path must be a db number'
          : null;
  if (!u || problem) throw new QueueError(`--queue ${JSON.stringify(url)}: ${problem} (expected redis://host:port)`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

/** BullMQ builds every connection through this factory (no ioredis needed). */
export function installClientFactory(): void {
  RedisConnection.clientFactory = (opts) => new RespClient(opts as unknown as RespOptions);
}

/** A dropped Redis connection ends the command with one line (a worker's runs go back to the queue). */
export function exitOnConnectionLost(program: string): void {
  RespClient.onConnectionLost = (address) => {
    RespClient.onConnectionLost = null;
    process.stderr.write(`${program}: lost the connection to Redis at ${address}; exiting\n`);
    process.exit(3);
  };
}

/** Connects once and PINGs; a one-line QueueError when Redis is not there. */
export async function checkRedis(url: string): Promise<RespOptions> {
  const opts = parseRedisUrl(url);
  const c = new RespClient({ ...opts, connectTimeout: 3000 });
  try {
    await c.connect();
    const pong = await c.call(['PING']);
    if (pong !== 'PONG') throw new Error(`answered ${JSON.stringify(pong)} to PING`);
  } catch (e) {
    throw new QueueError(`cannot reach Redis at ${url}: ${(e as Error).message}`);
  } finally {
    c.disconnect();
  }
  installClientFactory();
  return opts;
}
