/**
 * `pnpm run data <dataset> --dir <path>`: download (with resume) / extract / check a dataset (imdb-wiki-dir from
 * ETH, nyud2-dir from Google Drive, agedb-dir), write fixtures (fixture-imdb-wiki, fixture-agedb, fixture-nyud2)
 * or synthetic benchmarks (synthetic-1d, synthetic-2d, synthetic-age, synthetic-depth), or rebuild the balanced
 * splits.
 */
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadDatasets } from './load.js';

const real = ['imdb-wiki-dir', 'nyud2-dir', 'agedb-dir'] as const;

await yargs(hideBin(process.argv))
  .scriptName('pnpm run data')
  .option('dir', { type: 'string', demandOption: true, describe: 'dataset folder' })
  .option('seed', { type: 'number', default: 0 })
  .command(
    '$0 <dataset>',
    'download (with resume), extract and check a real dataset; prints what must be fetched by hand',
    (y) =>
      y
        .positional('dataset', { choices: real, demandOption: true })
        .option('archive', { type: 'string', describe: 'an archive fetched by hand (NYUD2 zip, AgeDB zip)' })
        .option('base-url', {
          type: 'string',
          describe: 'replace the official download host: ETH for IMDB-WIKI, Google Drive for NYUD2 (mirrors, tests)',
        })
        .option('url', {
          type: 'string',
          describe:
            'nyud2-dir: the zip to fetch instead of the official Google Drive file 1WoOZOBpOWfmwe7bknWS5PMUCLBPFKTOw ' +
            '(a Drive link or file id, or any direct URL)',
        })
        .option('download', {
          type: 'boolean',
          default: true,
          describe: 'fetch what is missing (--no-download: only extract --archive, check and print the steps)',
        }),
    async (a) => {
      const ds = await loadDatasets();
      const { missing } = await ds.prepareDataset(a.dataset as (typeof real)[number], {
        dir: path.resolve(a.dir),
        archive: a.archive,
        baseUrl: a.baseUrl,
        url: a.url,
        download: a.download,
      });
      if (missing.length) process.exitCode = 2;
    },
  )
  .command(
    'fixture-imdb-wiki',
    'tiny IMDB-WIKI-DIR in the official layout',
    () => {},
    async (a) => void (await (await loadDatasets()).writeAgeFixture(path.resolve(a.dir), { kind: 'imdb-wiki' })),
  )
  .command(
    'fixture-agedb',
    'tiny AgeDB-DIR in the official layout',
    () => {},
    async (a) => void (await (await loadDatasets()).writeAgeFixture(path.resolve(a.dir), { kind: 'agedb' })),
  )
  .command(
    'fixture-nyud2',
    'tiny NYUD2-DIR in the official layout (with the balanced mask)',
    () => {},
    async (a) => void (await (await loadDatasets()).writeNyud2Fixture(path.resolve(a.dir), { seed: a.seed })),
  )
  .command(
    'synthetic-1d',
    'the paper’s 1-D linear benchmark (spec §2.5)',
    (y) =>
      y
        .option('dist', { choices: ['normal', 'exponential'] as const, default: 'normal' as const })
        .option('param', { type: 'number' }),
    async (a) => {
      const ds = await loadDatasets();
      await ds.writeSyntheticLinear(
        path.resolve(a.dir),
        ds.makeSynthetic1d({ seed: a.seed, dist: a.dist, param: a.param }),
        {
          generator: 'synthetic-1d',
          seed: a.seed,
          dist: a.dist,
          param: a.param,
        },
      );
    },
  )
  .command(
    'synthetic-2d',
    'the paper’s 2-D linear benchmark (spec §2.5)',
    (y) => y.option('dist', { choices: ['normal', 'exponential'] as const, default: 'normal' as const }),
    async (a) => {
      const ds = await loadDatasets();
      await ds.writeSyntheticLinear(path.resolve(a.dir), ds.makeSynthetic2d({ seed: a.seed, dist: a.dist }), {
        generator: 'synthetic-2d',
        seed: a.seed,
        dist: a.dist,
      });
    },
  )
  .command(
    'synthetic-age',
    'rendered disks whose radius is the label 0..100, long-tailed, IMDB-WIKI-DIR format',
    (y) =>
      y
        .option('shape', { choices: ['agedb', 'imdb-wiki'] as const, default: 'agedb' as const })
        .option('size', { type: 'number', default: 32 })
        .option('max-count', { type: 'number', default: 120 })
        .option('min-count', { type: 'number', default: 4 })
        .option('max-size', { type: 'number', default: 10, describe: 'val/test images per age at most' }),
    async (a) => {
      const rows = await (await loadDatasets()).writeSyntheticAge(path.resolve(a.dir), {
        seed: a.seed,
        shape: a.shape,
        size: a.size,
        maxCount: a.maxCount,
        minCount: a.minCount,
        maxSize: a.maxSize,
      });
      console.log(`wrote ${rows.length} images to ${a.dir}`);
    },
  )
  .command(
    'synthetic-depth',
    'rendered rooms with NYUD2-DIR-shaped depth histograms, NYUD2-DIR format',
    (y) =>
      y
        .option('train', { type: 'number', default: 200 })
        .option('test', { type: 'number', default: 40 })
        .option('width', { type: 'number', default: 160 })
        .option('height', { type: 'number', default: 120 }),
    async (a) => {
      await (await loadDatasets()).writeSyntheticDepth(path.resolve(a.dir), {
        seed: a.seed,
        nTrain: a.train,
        nTest: a.test,
        width: a.width,
        height: a.height,
      });
    },
  )
  .command(
    'nyud2-mask',
    'rebuild test_balanced_mask.npy from the test depths (seeded; the official mask is unseeded)',
    () => {},
    async (a) => {
      const r = await (await loadDatasets()).writeNyud2BalancedMask(path.resolve(a.dir), { seed: a.seed });
      console.log(`${r.file}: ${r.perBin} pixels per bin`);
    },
  )
  .demandCommand(1)
  .strict()
  .help()
  .parse();
