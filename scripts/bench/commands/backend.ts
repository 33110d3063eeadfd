import os from 'node:os';
import type { CommandModule } from 'yargs';
import { type BackendBenchOptions, benchBackend } from '../backend.js';

const threadsDefault = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

export const backendCommand: CommandModule = {
  command: 'backend',
  describe: 'training-step time per tfjs backend, beside PyTorch CPU',
  builder: (y) =>
    y
      .option('backends', {
        type: 'array',
        string: true,
        default: ['tensorflow', 'wasm', 'cpu'],
        describe:
          'tfjs backends to try (unavailable ones are reported); wasm:openblas = wasm without oneDNN, wasm:xnnpack = wasm without native kernels',
      })
      .option('nets', {
        type: 'array',
        string: true,
        default: ['conv3', 'plain', 'separable', 'resnet18', 'resnet50'],
        choices: ['conv3', 'plain', 'separable', 'resnet18', 'resnet50'],
      })
      .option('steps', { type: 'number', default: 5, describe: 'timed steps (median reported)' })
      .option('warmup', { type: 'number', default: 2 })
      .option('threads', { type: 'number', default: threadsDefault, describe: 'threads for wasm and PyTorch' })
      .option('python', { type: 'string', default: '/usr/bin/python3', describe: 'python with torch (the peer)' }),
  handler: async (argv) => {
    await benchBackend(argv as unknown as BackendBenchOptions);
  },
};
