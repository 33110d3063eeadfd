/**
 * `--queue redis://[user:pass@]host:port[/db]`: parses the URL into ioredis connection options for
 * BullMQ, checks that Redis answers, and ends the command with one line when Redis goes away.
 */
import { Redis, type RedisOptions } from 'ioredis';

/** A user-facing problem with the queue (bad URL, Redis down, another plan under the name). */
export class QueueError extends Error {}

/** What BullMQ's queues, flows and workers connect with (ioredis options). */
export type ConnectionOptions = Pick<RedisOptions, 'host' | 'port' | 'db' | 'username' | 'password'> & {
  host: string;
  port: number;
  db: number;
  /** BullMQ workers need blocking commands without a per-request retry limit */
  maxRetriesPerRequest: null;
};

/** redis://host:port/db → connection options (port 6379 and db 0 by default). */
export function parseRedisUrl(url: string): ConnectionOptions {
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
    maxRetriesPerRequest: null,
  };
}

/** A client that does not reconnect: for one-off commands and for noticing that Redis is gone. */
function singleShotClient(opts: ConnectionOptions): Redis {
  return new Redis({
    ...opts,
    lazyConnect: true,
    connectTimeout: 3000,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
}

/**
 * A dropped Redis connection ends the command with one line (a worker's runs go back to the queue
 * once their locks expire): a watchdog connection that never reconnects reports the loss.
 */
export async function exitOnConnectionLost(program: string, opts: ConnectionOptions): Promise<void> {
  const watchdog = singleShotClient(opts);
  watchdog.on('error', () => {}); // reported through 'end'
  await watchdog.connect();
  watchdog.stream.unref(); // the watchdog never keeps the process alive
  watchdog.once('end', () => {
    process.stderr.write(`${program}: lost the connection to Redis at ${opts.host}:${opts.port}; exiting\n`);
    process.exit(3);
  });
}

/** Connects once and PINGs; a one-line QueueError when Redis is not there. */
export async function checkRedis(url: string): Promise<ConnectionOptions> {
  const opts = parseRedisUrl(url);
  const c = singleShotClient(opts);
  let lastError = '';
  c.on('error', (e: Error) => {
    lastError = e.message;
  });
  try {
    await c.connect();
    const pong = await c.ping();
    if (pong !== 'PONG') throw new Error(`answered ${JSON.stringify(pong)} to PING`);
  } catch (e) {
    throw new QueueError(`cannot reach Redis at ${url}: ${lastError || (e as Error).message}`);
  } finally {
    c.disconnect();
  }
  return opts;
}
