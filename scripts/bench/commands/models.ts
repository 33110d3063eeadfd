import os from 'node:os';
import type { CommandModule } from 'yargs';
import { benchModels, modelCases } from '../models.js';

const threadsDefault = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

export const modelsCommand: CommandModule = {
  command: 'models',
  describe: 'forward/training-step time and peak memory of ResNet-50 and the depth net, beside PyTorch CPU',
  builder: (y) =>
    y
      .option('backends', {
        type: 'array',
        string: true,
        default: ['tensorflow', 'wasm', 'cpu'],
        describe:
          'tfjs backends to try; wasm:openblas = wasm without oneDNN, wasm:xnnpack = wasm without native kernels',
      })
      .option('cases', {
        type: 'array',
        string: true,
        default: Object.keys(modelCases),
        choices: Object.keys(modelCases),
      })
      .option('steps', { type: 'number', default: 2, describe: 'timed steps (median reported)' })
      .option('warmup', { type: 'number', default: 1 })
      .option('threads', { type: 'number', default: threadsDefault, describe: 'threads for wasm and PyTorch' })
      .option('python', { type: 'string', default: '/usr/bin/python3', describe: 'python with torch and torchvision' }),
  handler: async (argv) => {
    await benchModels(argv as unknown as Parameters<typeof benchModels>[0]);
  },
};
