/**
 * `pnpm run tutorial`: the official Boston Housing notebook (jiawei-ren/BalancedMSE,
 * tutorial/balanced_mse.ipynb) in TypeScript — every method, several seeds, the shot tables, a figure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeBackend, initBackend } from '@bmse/backend';
import { LossInputError } from '@bmse/losses';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFAULT_CSV, loadBostonHousing, TutorialDataError } from './data.js';
import { figureSpec, renderFigure } from './figure.js';
import { METHODS, methodByName } from './methods.js';
import { formatTables, summarise } from './report.js';
import { balancedSplit, binCounts } from './split.js';
import { type RunResult, trainMethod } from './train.js';

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('pnpm run tutorial')
    .usage('$0 [--seeds 5] [--methods Vanilla MSE ...] [--out dir]')
    .option('seeds', { type: 'number', default: 5, describe: 'seeds 0..N−1 per method' })
    .option('methods', {
      type: 'array',
      string: true,
      default: METHODS.map((m) => m.name),
      describe: 'methods to train',
    })
    .option('epochs', { type: 'number', default: 10 })
    .option('csv', { type: 'string', default: DEFAULT_CSV, describe: 'Boston Housing CSV (13 features + medv)' })
    .option('out', {
      type: 'string',
      default: 'runs/tutorial-boston-housing',
      describe: 'folder for results.json and the figure',
    })
    .check((a) => {
      if (!Number.isInteger(a.seeds) || a.seeds < 1) throw new Error(`--seeds must be an integer ≥ 1, got ${a.seeds}`);
      if (!Number.isInteger(a.epochs) || a.epochs < 1)
        throw new Error(`--epochs must be an integer ≥ 1, got ${a.epochs}`);
      for (const m of a.methods) methodByName(String(m));
      return true;
    })
    .strict()
    .help()
    .parseAsync();
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), argv.out);
  const info = await initBackend('wasm');
  console.log(describeBackend(info));

  const data = loadBostonHousing(argv.csv);
  const split = balancedSplit(data.medv);
  const trainLabels = split.train.map((i) => data.medv[i]);
  const testLabels = split.test.map((i) => data.medv[i]);
  console.log(`split ${split.train.length} / ${split.val.length} / ${split.test.length} (train / val / test)`);
  console.log(`train samples per integer MEDV 0..50: ${binCounts(trainLabels).join(' ')}`);

  const runs: RunResult[] = [];
  const started = Date.now();
  for (const name of argv.methods) {
    const method = methodByName(String(name));
    for (let seed = 0; seed < argv.seeds; seed++) {
      const r = trainMethod(method, data, split, { seed, epochs: argv.epochs });
      runs.push(r);
      const line = `${method.name.padEnd(10)} seed ${seed}: best epoch ${r.bestEpoch}, test MSE ${r.test.all.mse.toFixed(2)}`;
      process.stdout.write(process.stdout.isTTY ? `\r${line}   ` : `${line}\n`);
    }
  }
  process.stdout.write(process.stdout.isTTY ? '\n\n' : '\n');
  const summaries = summarise(runs);
  console.log(formatTables(summaries));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), `${JSON.stringify({ split, summaries, runs }, null, 1)}\n`);
  const spec = figureSpec(runs, testLabels, trainLabels);
  const { svg, png } = await renderFigure(spec);
  writeFileSync(join(out, 'per-label-error.vl.json'), `${JSON.stringify(spec, null, 1)}\n`);
  writeFileSync(join(out, 'per-label-error.svg'), svg);
  writeFileSync(join(out, 'per-label-error.png'), png);
  console.log(
    `${runs.length} runs in ${((Date.now() - started) / 1000).toFixed(1)} s; wrote ${join(out, 'results.json')} and per-label-error.{svg,png}`,
  );
}

main().catch((e: unknown) => {
  if (e instanceof TutorialDataError || e instanceof LossInputError) {
    console.error(`tutorial: ${e.message}`);
    process.exit(2);
  }
  throw e;
});
