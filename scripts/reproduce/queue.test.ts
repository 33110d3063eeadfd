/**
 * `reproduce --queue` / `worker` on a real redis-server (issue #14 "Tests"): two workers drain a
 * plan of tiny synthetic-1d runs with a stage-2 dependency, resubmission adds nothing, the status
 * table at each stage, a SIGKILLed worker's run finished by another with the metrics of an
 * uninterrupted run, a user error failing once, and one-line errors for bad URLs / Redis down.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const nodeArgs = ['--conditions=source', '--import', 'tsx'];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bmse-queue-'));
const children: ChildProcess[] = [];
let redis: ChildProcess;
let url = '';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

async function redisUp(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const c = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    c.on('error', () => {});
    try {
      await c.connect();
      if ((await c.ping()) === 'PONG') return;
    } catch {
    } finally {
      c.disconnect();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not start');
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}
const reproduce = (...args: string[]) =>
  new Promise<Result>((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, 'scripts/reproduce/reproduce-cli.ts', ...args],
      { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });

function worker(name: string, sweep: string, runs: string): ChildProcess & { log: () => string } {
  const args = ['scripts/reproduce/worker-cli.ts', '--queue', url, '--sweep', sweep, '--runs', runs];
  const p = spawn(process.execPath, [...nodeArgs, ...args, '--name', name, '--lock-ms', '2000'], { cwd: root });
  let log = '';
  p.stdout?.on('data', (d) => {
    log += d;
  });
  p.stderr?.on('data', (d) => {
    log += d;
  });
  children.push(p);
  return Object.assign(p, { log: () => log });
}

const stop = (p: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });

/** The status table's rows as { run → cells }. */
function rows(table: string): Map<string, { state: string; worker: string; epoch: string; detail: string }> {
  const out = new Map();
  for (const line of table
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| run') && !l.startsWith('| -'))) {
    const [run, , state, w, epoch, detail] = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    out.set(run, { state, worker: w, epoch, detail });
  }
  return out;
}

const tiny = ['--set', 'schedule.epochs=20', '--set', 'evalEvery=5'];

beforeAll(async () => {
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    cwd: tmp,
    stdio: 'ignore',
  });
  await redisUp(port);
  // stage 2: GAI fine-tuned from the MSE run of the same seed (model.pretrained → a planned run)
  writeFileSync(
    path.join(tmp, 'stage2.yaml'),
    `extends: ${root}/configs/synthetic/1d-gai.yaml\nname: synthetic-1d-gai-ft-s{seed}\nmodel:\n  pretrained: runs/synthetic-1d-mse-s{seed}\n`,
  );
  const rowsOf = (names: string[]) =>
    names.map((n) => `- { config: configs/synthetic/1d-${n}.yaml, part: synthetic-1d }`);
  writeFileSync(
    path.join(tmp, 'plan.yaml'),
    [
      ...rowsOf(['mse', 'reweight', 'gai', 'bmc', 'gai-learnable']),
      '- { config: stage2.yaml, part: synthetic-1d }',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(tmp, 'other-plan.yaml'), [...rowsOf(['mse', 'bmc']), ''].join('\n'));
  writeFileSync(
    path.join(tmp, 'kill-plan.yaml'),
    [
      '- { config: configs/synthetic/1d-mse.yaml, set: [schedule.epochs=6000, evalEvery=500] }',
      `- { config: configs/imdb-wiki-dir/vanilla.yaml, set: [data.dir=${tmp}/no-data] }`,
      '',
    ].join('\n'),
  );
}, 30_000);

afterAll(async () => {
  await Promise.all(children.map(stop));
  redis?.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
});

describe('reproduce --queue (real Redis)', () => {
  it('refuses a bad URL or an unreachable Redis with one line, enqueuing nothing', async () => {
    const bad = await reproduce('--queue', 'http://127.0.0.1:1', '--part', 'synthetic-1d');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/scheme must be redis:\/\//)]);
    const down = await reproduce('--queue', `redis://127.0.0.1:${await freePort()}`, '--part', 'synthetic-1d');
    expect(down.code).toBe(2);
    expect(down.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^reproduce: cannot reach Redis at .*ECONNREFUSED/),
    ]);
  }, 30_000);

  it('two workers drain a plan with a stage-2 dependency; resubmission adds nothing', async () => {
    const runs = path.join(tmp, 'runs');
    const out = path.join(tmp, 'out');
    const sweep = ['--queue', url, '--sweep', 'drain', '--runs', runs, '--out', out];
    const plan = ['--plan', path.join(tmp, 'plan.yaml'), ...tiny];
    const first = await reproduce(...sweep, ...plan);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/sweep drain: 6 runs, 6 jobs added/);
    const waiting = rows(first.stdout);
    expect([...waiting.values()].map((r) => r.state)).toEqual(Array(6).fill('waiting'));
    expect(waiting.get('synthetic-1d-gai-ft-s0')?.detail).toBe('after synthetic-1d-mse-s0');

    const again = await reproduce(...sweep, ...plan);
    expect(again.stdout).toMatch(/6 runs, 0 jobs added/);
    const other = await reproduce(...sweep, '--plan', path.join(tmp, 'other-plan.yaml'));
    expect(other.code).toBe(2);
    expect(other.stderr.trim().split('\n')).toEqual([expect.stringMatching(/holds a different plan .*--sweep/)]);

    const ws = [worker('w1', 'drain', runs), worker('w2', 'drain', runs)];
    const done = await reproduce(...sweep, ...plan, '--wait');
    expect(done.code, done.stdout + done.stderr).toBe(0);
    const final = rows(done.stdout.slice(done.stdout.lastIndexOf('| run')));
    expect([...final.values()].map((r) => r.state)).toEqual(Array(6).fill('done'));
    expect(new Set([...final.values()].map((r) => r.worker))).toEqual(new Set(['w1', 'w2']));
    expect(final.get('synthetic-1d-mse-s0')?.detail).toMatch(/^test mse \d/);
    // the stage-2 run started from the stage-1 run's checkpoint, in the shared runs folder
    const cfg = readFileSync(path.join(runs, 'synthetic-1d-gai-ft-s0', 'config.yaml'), 'utf8');
    expect(cfg).toContain(`pretrained: ${path.join(runs, 'synthetic-1d-mse-s0')}`);
    expect(readFileSync(path.join(out, 'tables.md'), 'utf8')).toMatch(/MSE/);
    expect(existsSync(path.join(out, 'runs', 'synthetic-1d-gai-ft-s0', 'eval', 'test.json'))).toBe(true);

    const status = await reproduce('--queue', url, '--sweep', 'drain', '--status');
    expect([...rows(status.stdout).values()].map((r) => r.state)).toEqual(Array(6).fill('done'));
    expect((await reproduce(...sweep, ...plan)).stdout).toMatch(/0 jobs added/);
    await Promise.all(ws.map(stop));
  }, 120_000);

  it('a SIGKILLed worker loses nothing: another resumes the run to the metrics of an uninterrupted run', async () => {
    const runs = path.join(tmp, 'kill-runs');
    const sweep = ['--queue', url, '--sweep', 'kill', '--runs', runs, '--out', path.join(tmp, 'kill-out')];
    const plan = ['--plan', path.join(tmp, 'kill-plan.yaml')];
    expect((await reproduce(...sweep, ...plan)).code).toBe(0);
    // the same run, uninterrupted, straight through `train`
    const ref = path.join(tmp, 'ref');
    const reference = new Promise<void>((resolve) =>
      execFile(
        process.execPath,
        [
          ...nodeArgs,
          'packages/trainer/src/cli/main.ts',
          'train',
          '--config',
          'configs/synthetic/1d-mse.yaml',
          '--set',
          'schedule.epochs=6000',
          '--set',
          'evalEvery=500',
          '--set',
          'seed=0',
          '--out',
          ref,
        ],
        { cwd: root },
        () => resolve(),
      ),
    );
    const a = worker('wa', 'kill', runs);
    let seen = '';
    for (let i = 0; i < 600; i++) {
      const s = await reproduce('--queue', url, '--sweep', 'kill', '--status');
      const r = rows(s.stdout).get('synthetic-1d-mse-s0');
      seen = s.stdout;
      if (r?.state === 'running' && r.worker === 'wa' && Number(r.epoch.split('/')[0]) >= 1000) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(seen).toMatch(/synthetic-1d-mse-s0 .*\| running \| wa .*\/6000/);
    a.kill('SIGKILL');
    await new Promise((r) => a.once('exit', r));
    const b = worker('wb', 'kill', runs);
    const done = await reproduce(...sweep, ...plan, '--wait');
    await reference;
    const final = rows(done.stdout.slice(done.stdout.lastIndexOf('| run')));
    expect(final.get('synthetic-1d-mse-s0')).toMatchObject({ state: 'done', worker: 'wb' });
    const metrics = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'eval', 'test.json'), 'utf8')).metrics;
    expect(b.log()).toMatch(/run-synthetic-1d-mse-s0 resumes from checkpoints\/last/);
    expect(metrics(path.join(runs, 'synthetic-1d-mse-s0'))).toEqual(metrics(ref));
    // the user error (missing data) failed once with its message, not retried
    const bad = final.get('imdb-wiki-dir-vanilla-s0');
    expect(bad?.state).toBe('failed');
    expect(bad?.detail).toMatch(/imdb_wiki\.csv does not exist/);
    expect(b.log()).toMatch(/run-imdb-wiki-dir-vanilla-s0 failed/);
    expect(b.log().match(/run-imdb-wiki-dir-vanilla-s0 started/g)).toHaveLength(1);
    expect(done.code).toBe(1);
    await stop(b);
  }, 150_000);

  it('measures the queue overhead per run: enqueue → start, and stage 1 done → stage 2 start', async () => {
    const runs = path.join(tmp, 'overhead-runs');
    writeFileSync(
      path.join(tmp, 'overhead-plan.yaml'),
      '- { config: configs/synthetic/1d-mse.yaml }\n- { config: stage2.yaml }\n',
    );
    const w = worker('wo', 'overhead', runs);
    while (!w.log().includes('wo on')) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    const sweep = ['--queue', url, '--sweep', 'overhead', '--runs', runs, '--out', path.join(tmp, 'overhead-out')];
    const done = await reproduce(...sweep, '--plan', path.join(tmp, 'overhead-plan.yaml'), ...tiny, '--wait');
    expect(done.code, done.stderr).toBe(0);
    const queue = new Queue('overhead', {
      connection: { host: '127.0.0.1', port: Number(new URL(url).port), maxRetriesPerRequest: null },
    });
    const s1 = await queue.getJob('run-synthetic-1d-mse-s0');
    const s2 = await queue.getJob('run-synthetic-1d-gai-ft-s0');
    await queue.close();
    const enqueueToStart = (s1?.processedOn ?? 0) - (s1?.timestamp ?? 0);
    const stage1ToStage2 = (s2?.processedOn ?? 0) - (s1?.finishedOn ?? 0);
    console.log(
      `queue overhead: enqueue → start ${enqueueToStart} ms; stage-1 done → stage-2 start ${stage1ToStage2} ms`,
    );
    expect(enqueueToStart).toBeGreaterThanOrEqual(0);
    expect(enqueueToStart).toBeLessThan(2000);
    expect(stage1ToStage2).toBeLessThan(2000);
    await stop(w);
  }, 60_000);
});
