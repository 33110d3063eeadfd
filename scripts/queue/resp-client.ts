/**
 * A small Redis client (RESP2 over node:net) implementing BullMQ's IRedisClient, so BullMQ runs
 * without its optional `ioredis`/`redis` drivers (not dependencies of this repo). It speaks only
 * the commands BullMQ declares (bullmq/dist/esm/interfaces/redis-client.d.ts); it does not
 * reconnect: a lost connection ends the client ('end'), and BullMQ's caller exits.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Readable } from 'node:stream';
import type { IRedisClient, IRedisTransaction } from 'bullmq';

type Arg = string | number | Buffer;
type Reply = string | number | null | Error | Reply[];
interface Script {
  sha: string;
  lua: string;
  numberOfKeys: number;
}
export interface RespOptions {
  host: string;
  port: number;
  db?: number;
  password?: string;
  username?: string;
  connectTimeout?: number;
  connectionName?: string;
}

/** Incremental RESP2 parser: feeds bytes, yields complete replies. */
export class RespParser {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Reply[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Reply[] = [];
    for (;;) {
      const r = this.parse(0);
      if (!r) break;
      out.push(r.value);
      this.buf = this.buf.subarray(r.end);
    }
    return out;
  }
  private parse(at: number): { value: Reply; end: number } | null {
    const nl = this.buf.indexOf('\r\n', at);
    if (nl < 0) return null;
    const type = String.fromCharCode(this.buf[at]);
    const line = this.buf.toString('utf8', at + 1, nl);
    const next = nl + 2;
    if (type === '+') return { value: line, end: next };
    if (type === '-') return { value: new Error(line), end: next };
    if (type === ':') return { value: Number(line), end: next };
    if (type === '$') {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      if (this.buf.length < next + n + 2) return null;
      return { value: this.buf.toString('utf8', next, next + n), end: next + n + 2 };
    }
    if (type === '*') {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: Reply[] = [];
      let end = next;
      for (let i = 0; i < n; i++) {
        const r = this.parse(end);
        if (!r) return null;
        items.push(r.value);
        end = r.end;
      }
      return { value: items, end };
    }
    throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

function encode(args: readonly Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

const argvOf = (args: unknown[]): Arg[] =>
  (args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args).map((a) =>
    Buffer.isBuffer(a) ? a : a === undefined || a === null ? '' : String(a),
  );

const pairs = (o: Record<string, string | number>): Arg[] => Object.entries(o).flat();

function toObject(r: Reply): Record<string, string> {
  const out: Record<string, string> = {};
  const a = (r ?? []) as string[];
  for (let i = 0; i + 1 < a.length; i += 2) out[a[i]] = a[i + 1];
  return out;
}

/** One connection; commands are pipelined in order and answered in order. */
export class RespClient extends EventEmitter implements IRedisClient {
  /** Called once when an open connection drops (Redis stopped, network lost); the CLIs exit with one line. */
  static onConnectionLost: ((address: string) => void) | null = null;
  status = 'wait';
  readonly isCluster = false;
  options: Record<string, unknown>;
  private socket: net.Socket | null = null;
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private scripts = new Map<string, Script>();
  private closing = false;

  constructor(private readonly opts: RespOptions) {
    super();
    this.options = { ...opts, maxRetriesPerRequest: null };
  }

  connect(): Promise<void> {
    if (this.status === 'ready') return Promise.resolve();
    this.status = 'connecting';
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: this.opts.host, port: this.opts.port });
      socket.setNoDelay(true);
      socket.setTimeout(this.opts.connectTimeout ?? 5000);
      const parser = new RespParser();
      let ready = false;
      socket.on('timeout', () => {
        if (!ready) socket.destroy(new Error(`connect ETIMEDOUT ${this.opts.host}:${this.opts.port}`));
      });
      socket.on('data', (chunk) => {
        for (const reply of parser.push(chunk)) {
          const p = this.pending.shift();
          if (!p) continue;
          if (reply instanceof Error) p.reject(reply);
          else p.resolve(reply);
        }
      });
      socket.on('error', (e) => {
        if (!ready) reject(e);
        else this.emit('error', e);
      });
      socket.on('close', () => this.ended(ready));
      socket.once('connect', async () => {
        socket.setTimeout(0);
        this.socket = socket;
        try {
          if (this.opts.password)
            await this.call(
              this.opts.username ? ['AUTH', this.opts.username, this.opts.password] : ['AUTH', this.opts.password],
            );
          if (this.opts.db) await this.call(['SELECT', this.opts.db]);
          if (this.opts.connectionName) await this.call(['CLIENT', 'SETNAME', this.opts.connectionName]);
        } catch (e) {
          reject(e as Error);
          socket.destroy();
          return;
        }
        ready = true;
        this.status = 'ready';
        this.emit('connect');
        this.emit('ready');
        resolve();
      });
    });
  }

  private ended(wasReady: boolean): void {
    const err = new Error('Connection is closed.');
    for (const p of this.pending.splice(0)) p.reject(err);
    this.socket = null;
    this.status = 'end';
    if (wasReady && !this.closing) RespClient.onConnectionLost?.(`${this.opts.host}:${this.opts.port}`);
    this.emit('close');
    this.emit('end');
  }

  /** Sends one command; resolves with its reply (errors reject). */
  call(args: readonly Arg[]): Promise<Reply> {
    if (!this.socket) return Promise.reject(new Error('Connection is closed.'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket?.write(encode(args));
    });
  }

  disconnect(): void {
    this.closing = true;
    this.socket?.destroy();
  }
  async quit(): Promise<string> {
    this.closing = true;
    if (!this.socket) return 'OK';
    const r = (await this.call(['QUIT']).catch(() => 'OK')) as string;
    this.socket?.destroy();
    return r;
  }
  duplicate(overrides?: Partial<RespOptions>): RespClient {
    const dup = new RespClient({ ...this.opts, ...overrides });
    for (const [name, s] of this.scripts) dup.defineCommand(name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
    return dup;
  }

  // Lua scripts: EVALSHA, falling back to EVAL once per NOSCRIPT
  defineCommand(name: string, def: { numberOfKeys: number; lua: string }): void {
    const sha = createHash('sha1').update(def.lua).digest('hex');
    this.scripts.set(name, { sha, lua: def.lua, numberOfKeys: def.numberOfKeys });
    (this as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => this.runCommand(name, a);
  }
  scriptArgs(name: string, args: unknown[], byBody: boolean): Arg[] {
    const s = this.scripts.get(name);
    if (!s) throw new Error(`BullMQ: unknown command "${name}"`);
    return [byBody ? 'EVAL' : 'EVALSHA', byBody ? s.lua : s.sha, s.numberOfKeys, ...argvOf(args)];
  }
  async runCommand(name: string, args: unknown[]): Promise<Reply> {
    try {
      return await this.call(this.scriptArgs(name, args, false));
    } catch (e) {
      if (!(e as Error).message.startsWith('NOSCRIPT')) throw e;
      return this.call(this.scriptArgs(name, args, true));
    }
  }
  multi(): IRedisTransaction {
    return new RespBatch(this, true);
  }
  pipeline(): IRedisTransaction {
    return new RespBatch(this, false);
  }

  async hgetall(key: string) {
    return toObject(await this.call(['HGETALL', key]));
  }
  async hget(key: string, field: string) {
    return (await this.call(['HGET', key, field])) as string | null;
  }
  async hmget(key: string, ...fields: string[]) {
    return (await this.call(['HMGET', key, ...fields])) as (string | null)[];
  }
  async hset(key: string, data: Record<string, string | number>) {
    return (await this.call(['HSET', key, ...pairs(data)])) as number;
  }
  async hdel(key: string, ...fields: string[]) {
    return (await this.call(['HDEL', key, ...fields])) as number;
  }
  async hexists(key: string, field: string) {
    return (await this.call(['HEXISTS', key, field])) as number;
  }
  async get(key: string) {
    return (await this.call(['GET', key])) as string | null;
  }
  async set(key: string, value: string | number, o?: { PX?: number; EX?: number }) {
    const extra: Arg[] = o?.PX ? ['PX', o.PX] : o?.EX ? ['EX', o.EX] : [];
    return (await this.call(['SET', key, value, ...extra])) as string | null;
  }
  async del(...keys: string[]) {
    return (await this.call(['DEL', ...keys])) as number;
  }
  async zrange(key: string, start: number, end: number, o?: { WITHSCORES?: boolean }) {
    return (await this.call(['ZRANGE', key, start, end, ...(o?.WITHSCORES ? ['WITHSCORES'] : [])])) as string[];
  }
  async zrevrange(key: string, start: number, end: number, o?: { WITHSCORES?: boolean }) {
    return (await this.call(['ZREVRANGE', key, start, end, ...(o?.WITHSCORES ? ['WITHSCORES'] : [])])) as string[];
  }
  async zcard(key: string) {
    return (await this.call(['ZCARD', key])) as number;
  }
  async zscore(key: string, member: string) {
    return (await this.call(['ZSCORE', key, member])) as string | null;
  }
  async lrange(key: string, start: number, end: number) {
    return (await this.call(['LRANGE', key, start, end])) as string[];
  }
  async llen(key: string) {
    return (await this.call(['LLEN', key])) as number;
  }
  async ltrim(key: string, start: number, end: number) {
    return (await this.call(['LTRIM', key, start, end])) as string;
  }
  async lpos(key: string, value: string) {
    return (await this.call(['LPOS', key, value])) as number | null;
  }
  async smembers(key: string) {
    return (await this.call(['SMEMBERS', key])) as string[];
  }
  async xadd(
    key: string,
    id: string,
    fields: Record<string, string | number>,
    o?: { MAXLEN?: number; approximate?: boolean },
  ) {
    const trim: Arg[] = o?.MAXLEN !== undefined ? ['MAXLEN', ...(o.approximate ? ['~'] : []), o.MAXLEN] : [];
    return (await this.call(['XADD', key, ...trim, id, ...pairs(fields)])) as string;
  }
  async xread(streams: { key: string; id: string }[], o?: { BLOCK?: number; COUNT?: number }) {
    const extra: Arg[] = [
      ...(o?.COUNT !== undefined ? ['COUNT', o.COUNT] : []),
      ...(o?.BLOCK !== undefined ? ['BLOCK', o.BLOCK] : []),
    ];
    return this.call(['XREAD', ...extra, 'STREAMS', ...streams.map((s) => s.key), ...streams.map((s) => s.id)]);
  }
  async xtrim(key: string, strategy: 'MAXLEN', threshold: number, o?: { approximate?: boolean }) {
    return (await this.call(['XTRIM', key, strategy, ...(o?.approximate ? ['~'] : []), threshold])) as number;
  }
  async bzpopmin(key: string, timeout: number) {
    const r = (await this.call(['BZPOPMIN', key, timeout])) as [string, string, string] | null;
    return r && r.length === 3 ? r : null;
  }
  async info() {
    return (await this.call(['INFO'])) as string;
  }
  clientSetName(name: string) {
    return this.call(['CLIENT', 'SETNAME', name]);
  }
  async clientList() {
    return (await this.call(['CLIENT', 'LIST'])) as string;
  }
  async clientInfo() {
    return (await this.call(['CLIENT', 'INFO'])) as string;
  }
  async scan(cursor: string | number, o: { MATCH?: string; COUNT?: number }) {
    const extra: Arg[] = [
      ...(o.MATCH !== undefined ? ['MATCH', o.MATCH] : []),
      ...(o.COUNT !== undefined ? ['COUNT', o.COUNT] : []),
    ];
    return (await this.call(['SCAN', cursor, ...extra])) as [string, string[]];
  }
  scanStream(o: { match: string; count?: number }): Readable {
    const client = this;
    let cursor = '0';
    let started = false;
    return new Readable({
      objectMode: true,
      read: async function (this: Readable) {
        if (started && cursor === '0') return void this.push(null);
        started = true;
        const [next, keys] = await client.scan(cursor, { MATCH: o.match, COUNT: o.count });
        cursor = next;
        this.push(keys);
      },
    });
  }
}

/** MULTI/EXEC (atomic) or a plain pipeline of the commands BullMQ batches. */
class RespBatch implements IRedisTransaction {
  private cmds: Arg[][] = [];
  constructor(
    private readonly client: RespClient,
    private readonly atomic: boolean,
  ) {}
  private add(args: Arg[]): this {
    this.cmds.push(args);
    return this;
  }
  hgetall(key: string) {
    return this.add(['HGETALL', key]);
  }
  hset(key: string, data: Record<string, string | number>) {
    return this.add(['HSET', key, ...pairs(data)]);
  }
  hscan(key: string, cursor: string | number, o?: { COUNT?: number }) {
    return this.add(['HSCAN', key, cursor, ...(o?.COUNT ? ['COUNT', o.COUNT] : [])]);
  }
  smembers(key: string) {
    return this.add(['SMEMBERS', key]);
  }
  sscan(key: string, cursor: string | number, o?: { COUNT?: number }) {
    return this.add(['SSCAN', key, cursor, ...(o?.COUNT ? ['COUNT', o.COUNT] : [])]);
  }
  zrange(key: string, start: number, end: number) {
    return this.add(['ZRANGE', key, start, end]);
  }
  lrange(key: string, start: number, end: number) {
    return this.add(['LRANGE', key, start, end]);
  }
  llen(key: string) {
    return this.add(['LLEN', key]);
  }
  del(...keys: string[]) {
    return this.add(['DEL', ...keys]);
  }
  // inside a batch scripts go by body (EVAL): a NOSCRIPT cannot be retried within MULTI
  runCommand(name: string, args: unknown[]) {
    return this.add(this.client.scriptArgs(name, args, true));
  }
  async exec(): Promise<[Error | null, unknown][] | null> {
    const cmds = this.cmds;
    this.cmds = [];
    const hgetallAt = new Set(cmds.flatMap((c, i) => (c[0] === 'HGETALL' ? [i] : [])));
    const shape = (r: unknown, i: number) => (hgetallAt.has(i) ? toObject(r as Reply) : r);
    if (!this.atomic) {
      const settled = await Promise.allSettled(cmds.map((c) => this.client.call(c)));
      return settled.map((s, i) => (s.status === 'fulfilled' ? [null, shape(s.value, i)] : [s.reason as Error, null]));
    }
    const sent = [this.client.call(['MULTI']), ...cmds.map((c) => this.client.call(c)), this.client.call(['EXEC'])];
    const settled = await Promise.allSettled(sent);
    const exec = settled[settled.length - 1];
    if (exec.status === 'rejected') throw exec.reason;
    const results = exec.value as Reply[] | null;
    if (!results) return null;
    return results.map((r, i) => (r instanceof Error ? [r, null] : [null, shape(r, i)]));
  }
}
