/**
 * `pnpm run worker --queue redis://host:port [--concurrency N] [--runs runs] [--sweep reproduce]`
 * (issue #14): takes the sweep's jobs from BullMQ, trains each into the shared runs folder (resuming
 * a run a dead worker left), reports progress on the job and returns the eval summary. Runs until
 * Ctrl-C / SIGTERM (the current runs are checkpointed by their own SIGINT handling and retried).
 */
import os from 'node:os';
import { type Job, Queue, Worker } from 'bullmq';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { checkRedis, exitOnConnectionLost, QueueError } from '../queue/connection.js';
import type { ReleaseData } from '../queue/jobs.js';
import { storedPlan } from '../queue/submit.js';
import type { QueuedRun } from '../queue/sweep-plan.js';
import { processRelease, processRun } from '../queue/worker.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('pnpm run worker')
  .option('queue', { type: 'string', demandOption: true, describe: 'Redis URL, redis://host:port[/db]' })
  .option('sweep', { type: 'string', default: 'reproduce', describe: 'sweep (queue) name to work on' })
  .option('concurrency', { type: 'number', default: 1, describe: 'runs trained at once on this machine' })
  .option('runs', {
    type: 'string',
    default: 'runs',
    describe: 'the shared runs folder (same content on every worker)',
  })
  .option('name', { type: 'string', describe: 'worker name shown by --status (default host:pid)' })
  .option('lock-ms', {
    type: 'number',
    default: 30000,
    describe: 'a job whose worker is silent this long is handed to another worker',
  })
  .option('quiet', { type: 'boolean', default: false, describe: 'print only errors' })
  .check((a) => (Number.isInteger(a.concurrency) && a.concurrency >= 1) || '--concurrency must be a positive integer')
  .strict()
  .help()
  .parse();

const say = (s: string) => argv.quiet || process.stdout.write(`[worker] ${s}\n`);

try {
  const connection = await checkRedis(argv.queue);
  await exitOnConnectionLost('worker', connection);
  const name = argv.name ?? `${os.hostname()}:${process.pid}`;
  const planQueue = new Queue(argv.sweep, { connection });
  const ctx = {
    runsDir: argv.runs,
    worker: name,
    connection,
    sweep: argv.sweep,
    plan: async () => (await storedPlan(planQueue, argv.sweep)) ?? [],
    say,
  };
  const worker = new Worker(
    argv.sweep,
    async (job: Job) =>
      job.name === 'release' ? processRelease(job as Job<ReleaseData>, ctx) : processRun(job as Job<QueuedRun>, ctx),
    {
      connection,
      name,
      concurrency: argv.concurrency,
      lockDuration: argv['lock-ms'],
      stalledInterval: argv['lock-ms'],
      maxStalledCount: 20,
    },
  );
  worker.on('active', (job) => say(`${job.id} started`));
  worker.on('completed', (job) => say(`${job.id} done`));
  worker.on('failed', (job, err) => say(`${job?.id} failed: ${err.message}`));
  worker.on('error', (err) => {
    process.stderr.write(`worker: ${err.message}\n`);
  });
  say(`${name} on ${argv.queue} sweep ${argv.sweep}, concurrency ${argv.concurrency}, runs in ${argv.runs}`);
  const stop = async () => {
    say('closing (running jobs go back to the queue)');
    setTimeout(() => process.exit(0), 5000).unref();
    await worker.close(true).catch(() => {});
    await planQueue.close().catch(() => {});
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (e) {
  if (e instanceof QueueError) {
    process.stderr.write(`worker: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`worker: internal error (please report): ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
}
