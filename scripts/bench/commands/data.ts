import type { CommandModule } from 'yargs';
import { benchData, type DataBenchOptions } from '../data.js';

export const dataCommand: CommandModule = {
  command: 'data',
  describe: 'images/s of the IMDB-WIKI-DIR (224) and NYUD2-DIR train transforms, beside torchvision + PIL',
  builder: (y) =>
    y
      .option('images', { type: 'number', default: 256, describe: 'IMDB-like JPEGs per set (typical and heavy)' })
      .option('nyu-images', { type: 'number', default: 48, describe: 'NYUD2-like 640×480 pairs' })
      .option('face-size', { type: 'number', default: 256, describe: 'side of the heavy IMDB-like JPEGs' })
      .option('imdb-batch', { type: 'number', default: 64 })
      .option('nyu-batch', { type: 'number', default: 16 })
      .option('passes', { type: 'number', default: 4, describe: 'timed passes after one warm-up pass' })
      .option('rounds', {
        type: 'number',
        default: 3,
        describe: 'measurements of each side, alternating which goes first; the table shows medians',
      })
      .option('workers', {
        type: 'number',
        default: 2,
        describe: 'DataLoader workers of torch, and ours unless --ts-workers',
      })
      .option('ts-workers', { type: 'number', describe: '@bmse/datasets worker threads (default: --workers)' })
      .option('prefetch', { type: 'number', default: 2, describe: 'batches decoded ahead (@bmse/datasets)' })
      .option('dir', { type: 'string', describe: 'where the benchmark files go (default: a temporary folder, reused)' })
      .option('python', {
        type: 'string',
        default: '/usr/bin/python3',
        describe: 'python with torch and torchvision (the peer)',
      }),
  handler: async (argv) => {
    await benchData(argv as unknown as DataBenchOptions);
  },
};
