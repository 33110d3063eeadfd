/** `pnpm run tables [--runs runs] [--out docs/results/tables.md] [--csv <file>]`: the results tables (spec §5, §6). */
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { reportErrors } from './cli-errors.js';
import { writeTables } from './tables.js';

const args = await yargs(hideBin(process.argv))
  .scriptName('pnpm run tables')
  .usage(
    '$0 [--runs runs] [--out docs/results/tables.md] [--csv <file>]\n\n' +
      'Reads <runs>/*/eval/test.json with config.yaml and summary.csv, groups the runs by (dataset, paper row), ' +
      'aggregates seeds as mean ± sample std and writes the paper-layout tables (with the published numbers of ' +
      'spec §6 beside ours) as Markdown; also prints them.',
  )
  .option('runs', { type: 'string', default: 'runs', describe: 'folder of run directories' })
  .option('out', { type: 'string', describe: 'Markdown file to write (default: <runs>/tables.md)' })
  .option('csv', { type: 'string', describe: 'also write the numbers as tidy CSV (one line per row, metric and shot)' })
  .option('quiet', { type: 'boolean', default: false, describe: 'do not print the Markdown' })
  .strict()
  .parse();

await reportErrors('tables', async () => {
  const out = args.out ?? path.join(args.runs, 'tables.md');
  const { markdown } = await writeTables({ runs: args.runs, out, csv: args.csv });
  if (!args.quiet) process.stdout.write(markdown);
  process.stderr.write(`tables: wrote ${out}${args.csv ? ` and ${args.csv}` : ''}\n`);
});
