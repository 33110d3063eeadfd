/**
 * `pnpm run reproduce [--part synthetic-1d ...] [--out docs/results]`: trains every planned run
 * (one child process each, `pnpm run train --config … --set seed=…`), skipping runs whose
 * eval/test.json exists, records each run's wall time, copies the run summaries (config.yaml,
 * summary.csv, metrics.jsonl, eval/*.json — no checkpoints) to <out>/runs/, then regenerates
 * <out>/tables.md and <out>/figures with `pnpm run tables` / `pnpm run plots`.
 * With `--queue redis://host:port` the plan goes to BullMQ instead (scripts/queue, issue #14):
 * submit, `--status` (one table), `--wait` (block, then write the tables); workers: `pnpm run worker`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { QueueError } from '../queue/connection.js';
import { reproduceOnQueue } from '../queue/reproduce-queue.js';
import { readPlanFile } from '../queue/sweep-plan.js';
import { PARTS, type Part, PLAN } from './plan.js';
import { type Timing, writeResultsReadme } from './results-readme.js';
import { copySummary as copyRunSummary } from './summaries.js';

const argv = await yargs(hideBin(process.argv))
  .option('part', { choices: PARTS, array: true, describe: 'parts to run (default: all, in order)' })
  .option('out', { type: 'string', default: 'docs/results', describe: 'where summaries, tables and figures go' })
  .option('dry-run', { type: 'boolean', default: false, describe: 'print the commands only' })
  .option('queue', {
    type: 'string',
    describe: 'submit to BullMQ on this Redis (redis://host:port) instead of running here',
  })
  .option('sweep', { type: 'string', default: 'reproduce', describe: 'with --queue: the sweep (queue) name' })
  .option('status', { type: 'boolean', default: false, describe: 'with --queue: print the table of runs only' })
  .option('wait', {
    type: 'boolean',
    default: false,
    describe: 'with --queue: block until the sweep ends, then write the tables',
  })
  .option('runs', {
    type: 'string',
    default: 'runs',
    describe: 'with --queue: the shared runs folder the workers train into',
  })
  .option('plan', {
    type: 'string',
    describe: 'with --queue: a YAML list of { config, seed?, part?, set? } instead of the parts',
  })
  .option('set', {
    type: 'string',
    array: true,
    default: [] as string[],
    describe: 'with --queue: --set for every run',
  })
  .check(
    (a) =>
      Boolean(a.queue) ||
      !(a.status || a.wait || a.plan || a.set.length) ||
      '--status, --wait, --plan and --set need --queue',
  )
  .strict()
  .help()
  .parse();

const parts = new Set<Part>(argv.part ?? PARTS);
if (argv.queue) {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const plan = argv.plan ? readPlanFile(argv.plan) : PLAN.filter((p) => parts.has(p.part));
    const { queue, sweep, out, runs, status, wait } = argv;
    const code = await reproduceOnQueue({
      queue,
      sweep,
      plan,
      sets: argv.set,
      out,
      runs,
      status,
      wait,
      pollMs: 1000,
      say,
    });
    await new Promise((flushed) => process.stdout.write('', flushed)); // the table reaches a pipe before exit
    process.exit(code);
  } catch (e) {
    if (!(e instanceof QueueError)) throw e;
    process.stderr.write(`reproduce: ${e.message}\n`);
    process.exit(2);
  }
}
const out = argv.out;
const timingsFile = path.join(out, 'timings.json');
if (!argv['dry-run']) mkdirSync(path.join(out, 'runs'), { recursive: true });
const timings: Timing[] = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : [];

function runName(config: string, seed: number): string {
  const doc = YAML.parse(readFileSync(config, 'utf8')) as { name?: string };
  const base = path.basename(config).replace(/\.ya?ml$/, '');
  return (doc.name ?? `${path.basename(path.dirname(config))}-${base}-s{seed}`).replaceAll('{seed}', String(seed));
}

const copySummary = (runDir: string, name: string) => copyRunSummary(runDir, out, name);

const started = Date.now();
for (const r of PLAN.filter((p) => parts.has(p.part))) {
  const name = runName(r.config, r.seed);
  const runDir = path.join('runs', name);
  const cmd = ['run', '--silent', 'train', '--config', r.config, '--set', `seed=${r.seed}`];
  if (existsSync(path.join(runDir, 'eval', 'test.json'))) {
    process.stdout.write(`[reproduce] ${name}: done already\n`);
    if (!argv['dry-run']) copySummary(runDir, name); // a dry run writes nothing
    continue;
  }
  const resume = existsSync(path.join(runDir, 'checkpoints', 'last', 'model.json'));
  const args = resume ? ['run', '--silent', 'train', '--resume', runDir] : cmd;
  process.stdout.write(`[reproduce] pnpm ${args.join(' ')}\n`);
  if (argv['dry-run']) continue;
  const t0 = Date.now();
  const res = spawnSync('pnpm', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const seconds = (Date.now() - t0) / 1000;
  const prev = timings.findIndex((t) => t.name === name);
  const entry = {
    name,
    part: r.part,
    config: r.config,
    seed: r.seed,
    seconds: (prev >= 0 && resume ? timings[prev].seconds : 0) + seconds,
    status: res.status,
  };
  if (prev >= 0) timings[prev] = entry;
  else timings.push(entry);
  writeFileSync(timingsFile, `${JSON.stringify(timings, null, 2)}\n`);
  if (res.status !== 0) process.stdout.write(`[reproduce] ${name} exited with ${res.status}; continuing\n`);
  else copySummary(runDir, name);
}
if (!argv['dry-run']) {
  const runs = path.join(out, 'runs');
  spawnSync(
    'pnpm',
    [
      'run',
      '--silent',
      'tables',
      '--runs',
      runs,
      '--out',
      path.join(out, 'tables.md'),
      '--csv',
      path.join(out, 'tables.csv'),
      '--quiet',
    ],
    { stdio: 'inherit' },
  );
  spawnSync('pnpm', ['run', '--silent', 'plots', '--runs', runs, '--out', path.join(out, 'figures')], {
    stdio: 'inherit',
  });
  writeResultsReadme(out, timings);
  process.stdout.write(`[reproduce] finished in ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
}
