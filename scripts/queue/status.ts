/**
 * `reproduce --queue … --status`: one row per planned run — waiting (or for which stage-1 run),
 * running on which worker at which epoch, done with its test metric, failed with the error, or
 * blocked behind a failed stage-1 run (issue #14).
 */
import type { Job, Queue } from 'bullmq';
import { runJobId } from './jobs.js';
import type { QueuedRun } from './sweep-plan.js';
import type { RunProgress, RunSummary } from './worker.js';

export type RunState = 'waiting' | 'running' | 'retrying' | 'done' | 'failed' | 'blocked';

export interface StatusRow {
  name: string;
  part: string;
  state: RunState;
  worker: string;
  epoch: string;
  detail: string;
  /** ms from enqueue to the (last) start, when it started */
  queuedMs?: number;
}

const fmt = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

async function rowFor(queue: Queue, run: QueuedRun, byName: Map<string, StatusRow>): Promise<StatusRow> {
  const base = { name: run.name, part: run.part, worker: '', epoch: '', detail: '' };
  const job = (await queue.getJob(runJobId(run.name))) as Job<QueuedRun, RunSummary> | undefined;
  if (!job) {
    const dep = run.dependsOn ? byName.get(run.dependsOn) : undefined;
    if (dep && (dep.state === 'failed' || dep.state === 'blocked'))
      return { ...base, state: 'blocked', detail: `${run.dependsOn} failed` };
    return { ...base, state: 'waiting', detail: run.dependsOn ? `after ${run.dependsOn}` : 'not enqueued' };
  }
  const state = await job.getState();
  const p = (typeof job.progress === 'object' ? job.progress : {}) as Partial<RunProgress>;
  const epoch = p.epoch !== undefined ? `${p.epoch}/${p.epochs}` : '';
  const queuedMs = job.processedOn ? job.processedOn - job.timestamp : undefined;
  if (state === 'completed') {
    const s = job.returnvalue;
    const detail = s?.test ? `test mse ${fmt(s.test.mse)}, mae ${fmt(s.test.mae)}` : '';
    return {
      ...base,
      state: 'done',
      worker: job.processedBy ?? '',
      epoch: s ? `best ${s.epoch}` : '',
      detail,
      queuedMs,
    };
  }
  if (state === 'failed')
    return { ...base, state: 'failed', worker: job.processedBy ?? '', epoch, detail: job.failedReason };
  if (state === 'active') {
    const detail = p.metric ? `val ${p.metric} ${fmt(p.value ?? Number.NaN)}` : '';
    return { ...base, state: 'running', worker: p.worker ?? job.processedBy ?? '', epoch, detail, queuedMs };
  }
  if (state === 'delayed')
    return { ...base, state: 'retrying', epoch, detail: `attempt ${job.attemptsMade + 1}: ${job.failedReason ?? ''}` };
  return { ...base, state: 'waiting', epoch, detail: job.attemptsMade ? `retry ${job.attemptsMade}` : '' };
}

/** The rows in plan order (a dependent's row reads its stage-1 row, which comes first). */
export async function sweepStatus(queue: Queue, plan: readonly QueuedRun[]): Promise<StatusRow[]> {
  const byName = new Map<string, StatusRow>();
  const order = [...plan.filter((r) => !r.dependsOn), ...plan.filter((r) => r.dependsOn)];
  for (const r of order) byName.set(r.name, await rowFor(queue, r, byName));
  return plan.map((r) => byName.get(r.name) as StatusRow);
}

export const sweepFinished = (rows: readonly StatusRow[]) =>
  rows.every((r) => r.state === 'done' || r.state === 'failed' || r.state === 'blocked');

/** The status as one Markdown-style table plus a count line. */
export function formatStatus(sweep: string, rows: readonly StatusRow[]): string {
  const head = ['run', 'part', 'state', 'worker', 'epoch', 'detail'];
  const body = rows.map((r) => [r.name, r.part, r.state, r.worker, r.epoch, r.detail]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `sweep ${sweep}: ${rows.length} runs — ${summary}`,
    '',
  ].join('\n');
}
