/**
 * `pnpm run bench <name>`: the project's benchmarks. Each prints its numbers
 * beside the peer (PyTorch CPU) measured in the same run. One yargs command
 * module per benchmark in ./commands.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { backendCommand } from './commands/backend.js';
import { dataCommand } from './commands/data.js';
import { lossesCommand } from './commands/losses.js';
import { modelsCommand } from './commands/models.js';

await yargs(hideBin(process.argv))
  .scriptName('pnpm run bench')
  .command(backendCommand)
  .command(modelsCommand)
  .command(dataCommand)
  .command(lossesCommand)
  .demandCommand(1, 'name a benchmark')
  .strict()
  .help()
  .parse();
