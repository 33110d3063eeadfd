/**
 * `pnpm run bench [name]`: the project's benchmarks. Each prints its numbers
 * beside the peer measured in the same run.
 */
import os from 'node:os';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { benchBackend } from './backend.js';

const threadsDefault = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

await yargs(hideBin(process.argv))
  .scriptName('pnpm run bench')
  .command(
    'backend',
    'training-step time per tfjs backend, beside PyTorch CPU',
    (y) =>
      y
        .option('backends', {
          type: 'array',
          string: true,
          default: ['tensorflow', 'wasm', 'cpu'],
          describe: 'tfjs backends to try (unavailable ones are reported)',
        })
        .option('nets', {
          type: 'array',
          string: true,
          default: ['conv3', 'resnet18', 'resnet50'],
          choices: ['conv3', 'resnet18', 'resnet50'],
        })
        .option('steps', { type: 'number', default: 5, describe: 'timed steps (median reported)' })
        .option('warmup', { type: 'number', default: 2 })
        .option('threads', { type: 'number', default: threadsDefault, describe: 'threads for wasm and PyTorch' })
        .option('python', { type: 'string', default: '/usr/bin/python3', describe: 'python with torch (the peer)' }),
    async (argv) => {
      await benchBackend({
        backends: argv.backends,
        nets: argv.nets,
        steps: argv.steps,
        warmup: argv.warmup,
        threads: argv.threads,
        python: argv.python,
      });
    },
  )
  .demandCommand(1, 'name a benchmark: backend')
  .strict()
  .help()
  .parse();
