/**
 * The job processor of `pnpm run worker` (issue #14): a `run` job trains one planned run into the
 * shared runs folder in a child process (`train`, or `train --resume` when checkpoints/last exists,
 * so a retried job continues where a killed worker stopped), reports (epoch, val metric) as job
 * progress and returns the test summary; a `release` job enqueues the runs that start from its child.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowProducer, type Job, UnrecoverableError } from 'bullmq';
import { flowFor, type ReleaseData } from './jobs.js';
import type { Connection } from './submit.js';
import type { QueuedRun } from './sweep-plan.js';

export interface RunProgress {
  epoch: number;
  epochs: number;
  metric?: string;
  value?: number;
  worker: string;
}

export interface RunSummary {
  name: string;
  epoch: number;
  test: { mse: number; mae: number; bmse: number; bmae: number; gm: number };
  /** seconds this attempt trained (0 when the run was done already) */
  seconds: number;
  resumed: boolean;
}

export interface WorkerContext {
  runsDir: string;
  worker: string;
  connection: Connection;
  sweep: string;
  plan: () => Promise<QueuedRun[]>;
  say: (line: string) => void;
}

const trainerMain = fileURLToPath(new URL('../../packages/trainer/src/cli/main.ts', import.meta.url));
const exitWithParent = fileURLToPath(new URL('./exit-with-parent.mjs', import.meta.url));
const EPOCH_LINE = /^epoch (\d+)\/(\d+): .*?val (\w+) ([-+0-9.eE]+|NaN)/;

function summaryOf(runDir: string, seconds: number, resumed: boolean): RunSummary {
  const rec = JSON.parse(readFileSync(path.join(runDir, 'eval', 'test.json'), 'utf8')) as {
    name: string;
    epoch: number;
    metrics: { all: RunSummary['test'] & { n: number } };
  };
  const { mse, mae, bmse, bmae, gm } = rec.metrics.all;
  return { name: rec.name, epoch: rec.epoch, test: { mse, mae, bmse, bmae, gm }, seconds, resumed };
}

/** The `train` arguments for this attempt: resume when the run folder holds checkpoints/last. */
export function trainArgs(run: QueuedRun, runsDir: string): { args: string[]; resumed: boolean } {
  const runDir = path.resolve(runsDir, run.name);
  if (existsSync(path.join(runDir, 'checkpoints', 'last', 'model.json')))
    return { args: ['train', '--resume', runDir], resumed: true };
  const sets = [...run.sets, `seed=${run.seed}`];
  if (run.dependsOn) sets.push(`model.pretrained=${path.resolve(runsDir, run.dependsOn)}`);
  return {
    args: ['train', '--config', run.config, ...sets.flatMap((s) => ['--set', s]), '--out', runDir],
    resumed: false,
  };
}

/** Trains one run in a child process; exit 2 (user error) and 3 (diverged) fail the job for good. */
export async function processRun(job: Job<QueuedRun>, ctx: WorkerContext): Promise<RunSummary> {
  const run = job.data;
  const runDir = path.resolve(ctx.runsDir, run.name);
  if (existsSync(path.join(runDir, 'eval', 'test.json'))) return summaryOf(runDir, 0, false);
  const { args, resumed } = trainArgs(run, ctx.runsDir);
  // an attempt that died before its first checkpoint: start clean, not appending to its log
  if (!resumed) for (const f of ['metrics.jsonl', 'summary.csv']) rmSync(path.join(runDir, f), { force: true });
  await job.log(`${ctx.worker}: train ${args.slice(1).join(' ')}`);
  ctx.say(`${job.id} ${resumed ? 'resumes from checkpoints/last' : 'starts training'}`);
  const t0 = Date.now();
  const child = fork(trainerMain, args, {
    execArgv: ['--conditions=source', '--import', 'tsx', '--import', exitWithParent],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let lastError = '';
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const m = EPOCH_LINE.exec(line);
      if (!m) continue;
      const progress: RunProgress = { epoch: +m[1], epochs: +m[2], metric: m[3], value: +m[4], worker: ctx.worker };
      job.updateProgress(progress).catch(() => {});
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    // the trainer's one-line `error: …` / `internal error …` (not the stack lines after it)
    for (const l of chunk.toString().split('\n'))
      if (/^(error|internal error)/.test(l)) lastError = l.replace(/^error: /, '');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c, sig) => resolve(sig ? null : c)));
  const seconds = (Date.now() - t0) / 1000;
  if (code === 0) return summaryOf(runDir, seconds, resumed);
  if (code === 2) throw new UnrecoverableError(lastError || 'train: user error');
  if (code === 3) throw new UnrecoverableError(`training diverged${lastError ? `: ${lastError}` : ''}`);
  throw new Error(`train exited with ${code ?? 'a signal'}${lastError ? `: ${lastError}` : ''}`);
}

/** A stage-1 run completed: enqueue the runs that start from it (deterministic ids: idempotent). */
export async function processRelease(job: Job<ReleaseData>, ctx: WorkerContext): Promise<{ released: string[] }> {
  const plan = await ctx.plan();
  const flows = new FlowProducer({ connection: ctx.connection });
  try {
    const dependents = plan.filter((r) => job.data.dependents.includes(r.name));
    await flows.addBulk(dependents.map((r) => flowFor(ctx.sweep, r, plan)));
    return { released: dependents.map((r) => r.name) };
  } finally {
    await flows.close();
  }
}
