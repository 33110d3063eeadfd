/** IMDB-WIKI-DIR and AgeDB-DIR: one loader over `age,path,split` CSVs (spec §2.1, §2.2). */
import path from 'node:path';
import { tf } from '@bmse/backend';
import { type AgeRow, type AgeSplit, readAgeCsv } from './csv/age-csv.js';
import { type BadSample, BadSampleLog, type BadSampleMode } from './errors.js';
import { BatchSlabs, bufferAllocator } from './loader/batch-slabs.js';
import { batchTensorOf, tensorSlabs } from './loader/batch-tensor.js';
import { type AgeSampleTask, runSampleTask } from './loader/sample-tasks.js';
import { batchArray, datasetPasses } from './loader/slab-batches.js';
import { defaultWorkerCount, sampleRunner } from './loader/worker-pool.js';

export interface AgeDatasetOptions {
  /** dataset folder: holds the CSV and the image folders the CSV paths are relative to */
  dir: string;
  /** split CSV inside `dir` (default `imdb_wiki.csv` / `agedb.csv`) or an absolute path */
  csv?: string;
  split: AgeSplit;
  /** square side after Resize((S, S)); the paper uses 224 */
  imageSize?: number;
  /** train transform (random crop with zero padding + horizontal flip) instead of the eval transform */
  augment: boolean;
  batchSize: number;
  seed: number;
  /** default: true for train, false otherwise */
  shuffle?: boolean;
  /** per-sample weights aligned with `labels()` (e.g. @bmse/losses prepareWeights); adds `w` to batches */
  weights?: number[] | null;
  /** RandomCrop padding; default round(16·S/224) (16 at 224) */
  padding?: number;
  dropLast?: boolean;
  /** batches decoded ahead of the one being consumed (default 2) */
  prefetch?: number;
  /**
   * worker threads that decode and transform the samples (a process-wide pool per size); 0 runs them on this
   * thread. Batches are identical for any value. Default: $BMSE_DATA_WORKERS, else the number of cores.
   */
  workers?: number;
  /**
   * the recipe bins ages as int(age) into 0..maxTarget−1: an age outside [0, maxTarget) in any split is a
   * DatasetError naming the CSV, row and range (default: the CSV's own range, [0, 200])
   */
  maxTarget?: number;
  /** 'skip' drops bad rows/images and reports them at the end of each pass (default 'error') */
  onBadSample?: BadSampleMode;
  /** called once per pass with the samples skipped so far (default: console.warn when any) */
  onBadSamplesReport?: (items: readonly BadSample[]) => void;
}

export interface AgeBatch {
  /** [B, S, S, 3] float32, normalised with mean 0.5 / std 0.5 */
  x: tf.Tensor4D;
  /** [B, 1] ages */
  y: tf.Tensor2D;
  /** [B, 1] per-sample weights, when `weights` was given */
  w?: tf.Tensor2D;
  paths: string[];
  /** positions in `labels()` */
  indices: number[];
}

/** The same batch as plain arrays (no tensors), for benchmarks and tools. */
export interface AgeRawBatch {
  x: Float32Array;
  shape: [number, number, number, number];
  y: Float32Array;
  w?: Float32Array;
  paths: string[];
  indices: number[];
}

export interface AgeDataset {
  readonly name: string;
  readonly split: AgeSplit;
  readonly size: number;
  readonly imageSize: number;
  /** ages of the split in file order */
  labels(): number[];
  /** image paths relative to `dir`, in file order */
  paths(): string[];
  /** the split CSV (absolute path) */
  readonly csv: string;
  /** 1-based CSV lines of the split's samples, in file order */
  lines(): number[];
  /** one pass; `epoch` keys the shuffle and augmentation (default: 0, 1, 2, … per call) */
  batches(opts?: { epoch?: number }): AsyncIterable<AgeBatch>;
  rawBatches(opts?: { epoch?: number }): AsyncIterable<AgeRawBatch>;
  /** samples skipped so far in 'skip' mode */
  readonly badSamples: readonly BadSample[];
}

interface AgeKind {
  name: string;
  csv: string;
}

const IMDB_WIKI: AgeKind = { name: 'imdb-wiki-dir', csv: 'imdb_wiki.csv' };
const AGEDB: AgeKind = { name: 'agedb-dir', csv: 'agedb.csv' };

export function openImdbWikiDir(opts: AgeDatasetOptions): Promise<AgeDataset> {
  return openAgeDataset(IMDB_WIKI, opts);
}

export function openAgeDbDir(opts: AgeDatasetOptions): Promise<AgeDataset> {
  return openAgeDataset(AGEDB, opts);
}

async function openAgeDataset(kind: AgeKind, opts: AgeDatasetOptions): Promise<AgeDataset> {
  const size = opts.imageSize ?? 224;
  const padding = opts.padding ?? Math.round((16 * size) / 224);
  const mode = opts.onBadSample ?? 'error';
  const log = new BadSampleLog();
  const csvFile = path.resolve(opts.dir, opts.csv ?? kind.csv);
  const all = await readAgeCsv(csvFile, { onBadSample: mode, badSamples: log, maxTarget: opts.maxTarget });
  const rows: AgeRow[] = all.filter((r) => r.split === opts.split);
  if (opts.weights && opts.weights.length !== rows.length)
    throw new RangeError(
      `weights has ${opts.weights.length} entries, the ${opts.split} split has ${rows.length} samples`,
    );
  const weights = opts.weights ?? null;
  const shuffle = opts.shuffle ?? opts.split === 'train';
  const report = opts.onBadSamplesReport ?? BadSampleLog.warn;
  let calls = 0;

  const workers = opts.workers ?? defaultWorkerCount();
  const run = sampleRunner(workers, runSampleTask);
  const sampleShape = [size, size, 3];
  const task =
    (epoch: number) =>
    (i: number): AgeSampleTask => ({
      kind: 'age',
      file: path.join(opts.dir, rows[i].path),
      row: rows[i].line,
      size,
      padding,
      augment: opts.augment,
      seed: opts.seed,
      epoch,
      index: i,
    });
  const pass = datasetPasses({
    size: rows.length,
    shuffle,
    seed: opts.seed,
    task,
    run,
    batchSize: opts.batchSize,
    prefetch: opts.prefetch ?? 2,
    dropLast: opts.dropLast ?? false,
    skip: mode === 'skip',
    log,
    report,
  });
  /** What identifies a batch's samples: their paths and positions in the split. */
  const idsOf = (indices: number[]) => ({
    paths: indices.map((i) => rows[i].path),
    indices,
  });

  async function* rawBatches(o: { epoch?: number } = {}): AsyncGenerator<AgeRawBatch> {
    const slabs = (total: number) =>
      new BatchSlabs(total, opts.batchSize, [size * size * 3], bufferAllocator(workers > 0));
    for await (const b of pass(o.epoch ?? calls++, slabs)) {
      yield {
        x: batchArray(b, 0, size * size * 3),
        shape: [b.indices.length, size, size, 3],
        y: Float32Array.from(b.indices, (i) => rows[i].age),
        w: weights ? Float32Array.from(b.indices, (i) => weights[i]) : undefined,
        ...idsOf(b.indices),
      };
    }
  }

  async function* batches(o: { epoch?: number } = {}): AsyncGenerator<AgeBatch> {
    const slabs = (total: number) => tensorSlabs(total, opts.batchSize, [sampleShape], workers > 0);
    for await (const b of pass(o.epoch ?? calls++, slabs)) {
      const n = b.indices.length;
      yield {
        x: batchTensorOf(b, 0, sampleShape),
        y: tf.tensor2d(
          Float32Array.from(b.indices, (i) => rows[i].age),
          [n, 1],
          'float32',
        ),
        ...(weights
          ? {
              w: tf.tensor2d(
                Float32Array.from(b.indices, (i) => weights[i]),
                [n, 1],
                'float32',
              ),
            }
          : {}),
        ...idsOf(b.indices),
      };
    }
  }

  return {
    name: kind.name,
    split: opts.split,
    size: rows.length,
    imageSize: size,
    labels: () => rows.map((r) => r.age),
    paths: () => rows.map((r) => r.path),
    csv: csvFile,
    lines: () => rows.map((r) => r.line ?? 0),
    batches,
    rawBatches,
    get badSamples() {
      return log.items;
    },
  };
}
