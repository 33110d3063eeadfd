/** `pnpm run plots [--runs runs] [--out docs/results/figures]`: label histograms, per-label errors and the synthetic-1d figure. */
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { reportErrors } from './cli-errors.js';
import { writePlots } from './plots.js';

const args = await yargs(hideBin(process.argv))
  .scriptName('pnpm run plots')
  .usage(
    '$0 [--runs runs] [--out docs/results/figures]\n\n' +
      'Reads <runs>/*/eval/test.json (trainHistogram, perLabel, linear, predictions) and config.yaml, and draws per ' +
      'dataset the training label histogram with the shot regions shaded and the per-label test error of each ' +
      'method (mean over seeds), plus the synthetic-1d figure (fitted lines, predicted label density). Each figure ' +
      'is written as Vega-Lite spec (.vl.json), SVG and PNG.',
  )
  .option('runs', { type: 'string', default: 'runs', describe: 'folder of run directories' })
  .option('out', { type: 'string', describe: 'folder for the figures (default: <runs>/figures)' })
  .strict()
  .parse();

await reportErrors('plots', async () => {
  const out = args.out ?? path.join(args.runs, 'figures');
  const { files, notes, skipped } = await writePlots({ runs: args.runs, out });
  for (const f of files.filter((f) => f.endsWith('.png'))) process.stdout.write(`${path.relative(process.cwd(), f)}\n`);
  for (const n of notes) process.stderr.write(`plots: note: ${n}\n`);
  for (const s of skipped) process.stderr.write(`plots: skipped ${s.name}: ${s.reason}\n`);
  process.stderr.write(`plots: wrote ${files.length / 3} figure(s) to ${out}\n`);
});
