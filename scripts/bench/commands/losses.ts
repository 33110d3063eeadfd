import os from 'node:os';
import type { CommandModule } from 'yargs';
import { benchLosses, lossCases } from '../losses.js';

const threadsDefault = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

export const lossesCommand: CommandModule = {
  command: 'losses',
  describe:
    'Balanced MSE forward+backward time and peak memory (BMC, BMC-MD, BNI, GAI, bounded BMC), beside PyTorch CPU',
  builder: (y) =>
    y
      .option('cases', {
        type: 'array',
        string: true,
        default: Object.keys(lossCases),
        choices: Object.keys(lossCases),
        describe: Object.entries(lossCases)
          .map(([k, c]) => `${k}: ${c.label}`)
          .join('; '),
      })
      .option('backend', { type: 'string', default: 'wasm', choices: ['wasm', 'cpu', 'tensorflow'] })
      .option('steps', {
        type: 'number',
        describe: 'timed runs, median reported (default per case: 200 small, 5 per-pixel, 1 for (e))',
      })
      .option('warmup', {
        type: 'number',
        describe: 'warm-up runs (default per case: 100 small, 2 per-pixel, 1 for (e))',
      })
      .option('threads', { type: 'number', default: threadsDefault, describe: 'threads for wasm and PyTorch' })
      .option('python', { type: 'string', default: '/usr/bin/python3', describe: 'python with torch (the peer)' }),
  handler: async (argv) => {
    const a = argv as unknown as {
      cases: string[];
      backend: string;
      steps?: number;
      warmup?: number;
      threads: number;
      python: string;
    };
    await benchLosses(a);
  },
};
