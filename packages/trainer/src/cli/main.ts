#!/usr/bin/env node
/**
 * `pnpm run train` / `pnpm run eval` (architecture.md "Command line"):
 *   train [--config file.yaml] [--set key=value ...] [--out runs/<name>] | --resume runs/<name>
 *   eval --checkpoint <run or checkpoint dir> [--split val|test] [--json]
 */
import path from 'node:path';
import { describeBackend, initBackend } from '@bmse/backend';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { BUILTIN_CONFIG } from '../config/builtin.js';
import { defaultsFor } from '../config/defaults.js';
import { ConfigError, loadConfig, resolveConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import { formatShotTable } from '../eval/shot-table.js';
import { evaluateCheckpoint } from '../eval-checkpoint.js';
import { readRunConfig } from '../run/run-config.js';
import { train } from '../train.js';
import { reportError } from './errors.js';
import { silenceTfjsNodeBanner } from './quiet-tfjs.js';

async function startBackend(c: Pick<RunConfig, 'backend' | 'threads'>, quiet = false): Promise<string> {
  const info = await initBackend(c.backend, c.threads ? { threads: c.threads } : {});
  silenceTfjsNodeBanner();
  if (!quiet) process.stdout.write(`backend: ${describeBackend(info)}\n`);
  return info.backend;
}

async function trainCommand(argv: { config?: string; set?: string[]; out?: string; resume?: string }): Promise<number> {
  let config: RunConfig;
  let runDir: string;
  if (argv.resume) {
    if (argv.config || argv.set?.length)
      throw new ConfigError('--resume continues a run with the config saved in it; drop --config/--set');
    runDir = argv.resume;
    config = readRunConfig(runDir);
  } else {
    config = loadConfig(argv.config ?? null, argv.set ?? [], BUILTIN_CONFIG);
    runDir = argv.out ?? path.join('runs', config.name);
  }
  const backend = await startBackend(config);
  const stop = { stop: false };
  let firstInterrupt = 0;
  const onSigint = () => {
    // a second Ctrl-C quits at once; one keypress can arrive twice (terminal + the tsx wrapper relaying it)
    if (firstInterrupt && Date.now() - firstInterrupt > 1000) process.exit(130);
    if (firstInterrupt) return;
    firstInterrupt = Date.now();
    stop.stop = true;
    process.stderr.write('\nSIGINT: saving checkpoints/last at the next step (Ctrl-C again to quit without saving)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    const r = await train({ config, runDir, resume: Boolean(argv.resume), stopSignal: stop, backend });
    if (r.status === 'interrupted') return 130;
    if (r.status === 'diverged') return 3;
    process.stdout.write(`run folder: ${runDir}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function evalCommand(argv: { checkpoint: string; split: 'val' | 'test'; json: boolean }): Promise<number> {
  const { config } = await evaluateCheckpoint.prepare(argv.checkpoint);
  const backend = await startBackend(config, argv.json);
  const { record, file } = await evaluateCheckpoint(argv.checkpoint, argv.split, { backend });
  if (argv.json)
    process.stdout.write(
      `${JSON.stringify({ file, ...record, perLabel: undefined, trainHistogram: undefined, predictions: undefined })}\n`,
    );
  else
    process.stdout.write(
      `${formatShotTable(record.metrics, `${record.name} — ${argv.split}, epoch ${record.epoch} (${record.checkpoint})`)}\nwritten: ${file}\n`,
    );
  return 0;
}

/** Every config key with its IMDB-WIKI-DIR default, for `train --help`. */
export function configOptionsHelp(): string {
  const lines: string[] = [];
  const walk = (o: unknown, prefix: string) => {
    if (o && typeof o === 'object' && !Array.isArray(o))
      for (const [k, v] of Object.entries(o)) walk(v, prefix ? `${prefix}.${k}` : k);
    else lines.push(`  ${prefix} = ${JSON.stringify(o)}`);
  };
  walk({ name: '<file name>-s{seed}', row: 'custom', ...defaultsFor('imdb-wiki-dir') }, '');
  return [
    'Config options (YAML keys; override with --set key=value). Defaults shown for imdb-wiki-dir;',
    'nyud2-dir and the synthetic sets change some (packages/trainer/README.md has the full table):',
    ...lines,
  ].join('\n');
}

export async function main(args: string[]): Promise<number> {
  let code = 0;
  const run = (fn: () => Promise<number>) => async () => {
    try {
      code = await fn();
    } catch (e) {
      code = reportError(e);
    }
  };
  await yargs(args)
    .scriptName('bmse')
    .command(
      'train',
      'train a model (with no --config: the built-in synthetic-age quick start)',
      (y) =>
        y
          .option('config', {
            type: 'string',
            describe:
              'YAML config (configs/<dataset>/<row>.yaml); every option is listed in packages/trainer/README.md',
          })
          .option('set', {
            type: 'string',
            array: true,
            describe: 'override one option, e.g. --set optimizer.lr=1e-4 --set bmse.enabled=true',
          })
          .option('out', { type: 'string', describe: 'run folder (default runs/<name>)' })
          .option('resume', { type: 'string', describe: 'continue the run in this folder from checkpoints/last' })
          .epilog(configOptionsHelp()),
      (argv) => run(() => trainCommand(argv))(),
    )
    .command(
      'eval',
      'evaluate a checkpoint; writes <run>/eval/<split>.json and prints the shot table',
      (y) =>
        y
          .option('checkpoint', {
            type: 'string',
            demandOption: true,
            describe: 'a run folder (uses checkpoints/best) or a checkpoint folder',
          })
          .option('split', {
            choices: ['val', 'test'] as const,
            default: 'test' as const,
            describe: 'split to evaluate',
          })
          .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON line' }),
      (argv) => run(() => evalCommand(argv))(),
    )
    .demandCommand(1, 'name a command: train or eval')
    .strict()
    .help()
    .parseAsync();
  return code;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli/main.ts')) {
  main(hideBin(process.argv)).then((code) => {
    process.exitCode = code;
  });
}

export { resolveConfig };
