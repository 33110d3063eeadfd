/**
 * `pnpm run reproduce --queue redis://… [--part …] [--status] [--wait]` (issue #14): submits the
 * plan as a BullMQ sweep, prints the status table, or waits for the sweep and then writes the
 * summaries, tables and timings to --out as the in-process path does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { writeTables } from '../report/tables.js';
import type { PlannedRun } from '../reproduce/plan.js';
import { type Timing, writeResultsReadme } from '../reproduce/results-readme.js';
import { copySummary } from '../reproduce/summaries.js';
import { checkRedis, exitOnConnectionLost, QueueError } from './connection.js';
import { runJobId } from './jobs.js';
import { formatStatus, type StatusRow, sweepFinished, sweepStatus } from './status.js';
import { storedPlan, submitSweep } from './submit.js';
import { type QueuedRun, queuedPlan } from './sweep-plan.js';
import type { RunSummary } from './worker.js';

export interface QueueCommand {
  queue: string;
  sweep: string;
  plan: readonly (PlannedRun & { set?: string[] })[];
  sets: string[];
  out: string;
  runs: string;
  status: boolean;
  wait: boolean;
  pollMs: number;
  say: (line: string) => void;
}

async function waitForSweep(queue: Queue, plan: QueuedRun[], cmd: QueueCommand): Promise<StatusRow[]> {
  let last = '';
  for (;;) {
    const rows = await sweepStatus(queue, plan);
    const counts = rows.map((r) => r.state).join();
    if (counts !== last) {
      const done = rows.filter((r) => r.state === 'done').length;
      cmd.say(`[reproduce] ${done}/${rows.length} done, ${rows.filter((r) => r.state === 'running').length} running`);
      last = counts;
    }
    if (sweepFinished(rows)) return rows;
    await new Promise((r) => setTimeout(r, cmd.pollMs));
  }
}

/** After --wait: summaries into <out>/runs, timings from the jobs, tables.md / tables.csv, README. */
async function writeResults(queue: Queue, plan: QueuedRun[], cmd: QueueCommand): Promise<void> {
  mkdirSync(path.join(cmd.out, 'runs'), { recursive: true });
  const timings: Timing[] = [];
  for (const r of plan) {
    const job = await queue.getJob(runJobId(r.name));
    const s = job?.returnvalue as RunSummary | undefined;
    const ok = Boolean(s && job?.finishedOn);
    if (ok) copySummary(path.join(cmd.runs, r.name), cmd.out, r.name);
    const seconds = job?.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
    timings.push({
      name: r.name,
      part: r.part as Timing['part'],
      config: r.config,
      seed: r.seed,
      seconds,
      status: ok ? 0 : 1,
    });
  }
  writeFileSync(path.join(cmd.out, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  const out = path.join(cmd.out, 'tables.md');
  await writeTables({ runs: path.join(cmd.out, 'runs'), out, csv: path.join(cmd.out, 'tables.csv') });
  writeResultsReadme(cmd.out, timings);
  cmd.say(`[reproduce] wrote ${out}`);
}

/** Returns the exit code: 0, or 1 when --wait saw failed or blocked runs. */
export async function reproduceOnQueue(cmd: QueueCommand): Promise<number> {
  const connection = await checkRedis(cmd.queue);
  await exitOnConnectionLost('reproduce', connection);
  const queue = new Queue(cmd.sweep, { connection });
  try {
    let plan: QueuedRun[];
    if (cmd.status && !cmd.wait) {
      const stored = await storedPlan(queue, cmd.sweep);
      if (!stored)
        throw new QueueError(`no sweep "${cmd.sweep}" on ${cmd.queue} (submit one with --queue without --status)`);
      plan = stored;
    } else {
      plan = queuedPlan(cmd.plan, cmd.sets);
      const r = await submitSweep(connection, cmd.sweep, plan);
      cmd.say(
        `[reproduce] sweep ${cmd.sweep}: ${r.runs} runs, ${r.added} jobs added${r.added ? '' : ' (all there already)'}`,
      );
    }
    if (cmd.status || !cmd.wait) {
      cmd.say(formatStatus(cmd.sweep, await sweepStatus(queue, plan)));
      return 0;
    }
    const rows = await waitForSweep(queue, plan, cmd);
    cmd.say(formatStatus(cmd.sweep, rows));
    await writeResults(queue, plan, cmd);
    return rows.every((r) => r.state === 'done') ? 0 : 1;
  } finally {
    await queue.close();
  }
}
