/**
 * `reproduce --queue`: stores the plan under the sweep name and adds every root flow in one
 * atomic FlowProducer.addBulk (all or nothing); the same plan again adds nothing new, another plan
 * under the same name is refused before anything is written.
 */
import { FlowProducer, Queue } from 'bullmq';
import { QueueError } from './connection.js';
import { planKey, rootFlows } from './jobs.js';
import type { QueuedRun } from './sweep-plan.js';

export interface Connection {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
}

export interface SubmitResult {
  runs: number;
  added: number;
}

/** The plan stored under a sweep name, or null for a new name. */
export async function storedPlan(queue: Queue, sweep: string): Promise<QueuedRun[] | null> {
  const raw = await (await queue.backend.client).get(planKey(sweep));
  return raw ? (JSON.parse(raw) as QueuedRun[]) : null;
}

const STATES = ['waiting', 'active', 'completed', 'failed', 'delayed', 'waiting-children', 'prioritized'] as const;
/** Jobs of the sweep in any state (what addBulk added = after − before). */
const jobCount = (queue: Queue) => queue.getJobCountByTypes(...STATES);

export async function submitSweep(connection: Connection, sweep: string, plan: QueuedRun[]): Promise<SubmitResult> {
  const queue = new Queue(sweep, { connection });
  const flows = new FlowProducer({ connection });
  try {
    const json = JSON.stringify(plan);
    const before = await storedPlan(queue, sweep);
    if (before && JSON.stringify(before) !== json)
      throw new QueueError(
        `sweep "${sweep}" on this Redis holds a different plan (${before.length} runs); submit this one with --sweep <another name>`,
      );
    const existing = await jobCount(queue);
    if (!before) await (await queue.backend.client).set(planKey(sweep), json);
    await flows.addBulk(rootFlows(sweep, plan));
    const after = await jobCount(queue);
    return { runs: plan.length, added: after - existing };
  } finally {
    await flows.close();
    await queue.close();
  }
}
