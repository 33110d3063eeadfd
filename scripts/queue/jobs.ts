/**
 * Job layout of a sweep on BullMQ (issue #14): queue `<sweep>`, one `run` job per planned run with
 * id `run-<name>` (so resubmitting adds nothing), and for a stage-1 run with dependents a parent
 * `release-<name>` job (a BullMQ flow: it runs once its child run completes) that enqueues them.
 */
import type { FlowJob, JobsOptions } from 'bullmq';
import type { QueuedRun } from './sweep-plan.js';

export const runJobId = (name: string) => `run-${name}`;
export const releaseJobId = (name: string) => `release-${name}`;
export const planKey = (sweep: string) => `bmse:sweep:${sweep}:plan`;

/** A killed worker's run is retried by another (resuming); a crash is retried twice; user errors never. */
const runOpts: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: false,
  removeOnFail: false,
  failParentOnFailure: true,
};

export interface ReleaseData {
  dependents: string[];
}

/** The flow that trains `run`, wrapped in its release job when other runs start from it. */
export function flowFor(sweep: string, run: QueuedRun, plan: readonly QueuedRun[]): FlowJob {
  const job: FlowJob = { name: 'run', queueName: sweep, data: run, opts: { ...runOpts, jobId: runJobId(run.name) } };
  const dependents = plan.filter((r) => r.dependsOn === run.name).map((r) => r.name);
  if (!dependents.length) return job;
  const data: ReleaseData = { dependents };
  return {
    name: 'release',
    queueName: sweep,
    data,
    opts: { jobId: releaseJobId(run.name), attempts: 5, removeOnComplete: false, removeOnFail: false },
    children: [job],
  };
}

/** What a sweep enqueues at submission: the runs that wait for nothing (their dependents come with them). */
export const rootFlows = (sweep: string, plan: readonly QueuedRun[]): FlowJob[] =>
  plan.filter((r) => !r.dependsOn).map((r) => flowFor(sweep, r, plan));
