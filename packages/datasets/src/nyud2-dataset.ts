/** NYUD2-DIR: `nyu2_{train,test}.csv` + RGB JPEG / depth PNG pairs, balanced test mask (spec §2.3). */
import fs from 'node:fs';
import path from 'node:path';
import { tf } from '@bmse/backend';
import { type NyuRow, readNyuCsv, resolveNyuPath } from './csv/nyu-csv.js';
import { type BadSample, BadSampleLog, type BadSampleMode, DatasetError } from './errors.js';
import { BatchSlabs, bufferAllocator } from './loader/batch-slabs.js';
import { batchTensorOf, tensorSlabs } from './loader/batch-tensor.js';
import { type Nyud2SampleTask, runSampleTask } from './loader/sample-tasks.js';
import { batchArray, datasetPasses } from './loader/slab-batches.js';
import { defaultWorkerCount, sampleRunner } from './loader/worker-pool.js';
import { readNpy } from './npy.js';

export { depthToMetres } from './loader/sample-tasks.js';

export type Nyud2Split = 'train' | 'test' | 'fds';

export const NYUD2_FILES = {
  train: 'nyu2_train.csv',
  test: 'nyu2_test.csv',
  fds: 'nyu2_train_FDS_subset.csv',
  mask: 'test_balanced_mask.npy',
} as const;

export interface Nyud2Options {
  /** the data folder (`--data_dir`): holds the CSVs, the mask and the image folders */
  dir: string;
  /** 'fds' reads the 600-row FDS subset with the FDS transform */
  split: Nyud2Split;
  batchSize: number;
  seed?: number;
  /** default: true for train */
  shuffle?: boolean;
  /** the train transform's flip, rotation, lighting and colour jitter (default: split === 'train') */
  augment?: boolean;
  /** short side after Scale (default 240) */
  shortSide?: number;
  /** [H, W] centre crop (default [228, 304]) */
  crop?: [number, number];
  /** [h, w] of train/FDS depth (default half the crop: [114, 152]); test depth stays at the crop size */
  depthSize?: [number, number];
  /** test only: the balanced mask; true requires it, false ignores it, a string names the file (default: used when present) */
  mask?: boolean | string;
  /** maximum rotation in degrees (default 5) */
  maxAngle?: number;
  prefetch?: number;
  /** worker threads for decode + transform (0: this thread); batches are identical for any value (default: cores) */
  workers?: number;
  onBadSample?: BadSampleMode;
  onBadSamplesReport?: (items: readonly BadSample[]) => void;
}

export interface Nyud2Batch {
  /** [B, H, W, 3] ImageNet-normalised */
  x: tf.Tensor4D;
  /** [B, h, w, 1] metres */
  depth: tf.Tensor4D;
  /** [B, H, W, 1] float32 0/1, test split with a mask */
  mask?: tf.Tensor4D;
  paths: string[];
  indices: number[];
}

export interface Nyud2RawBatch {
  x: Float32Array;
  xShape: [number, number, number, number];
  depth: Float32Array;
  depthShape: [number, number, number, number];
  mask?: Uint8Array;
  paths: string[];
  indices: number[];
}

export interface Nyud2Dataset {
  readonly split: Nyud2Split;
  readonly size: number;
  readonly crop: [number, number];
  readonly depthSize: [number, number];
  rows(): NyuRow[];
  /** test only: the balanced mask rows of this split, [records, H, W] */
  readonly hasMask: boolean;
  batches(opts?: { epoch?: number }): AsyncIterable<Nyud2Batch>;
  rawBatches(opts?: { epoch?: number }): AsyncIterable<Nyud2RawBatch>;
  readonly badSamples: readonly BadSample[];
}

async function loadMask(file: string, rows: number, crop: [number, number]): Promise<Uint8Array> {
  const arr = await readNpy(file);
  const want = [rows, crop[0], crop[1]];
  if (arr.shape.length !== 3 || arr.shape.some((d, i) => d !== want[i]))
    throw new DatasetError(
      `mask shape (${arr.shape.join(', ')}) does not match (${want.join(', ')}) = (test rows, crop H, crop W)`,
      {
        file,
        field: 'shape',
      },
    );
  if (arr.dtype !== '|u1' && arr.dtype !== '|b1')
    throw new DatasetError(`mask dtype ${arr.dtype} is not uint8/bool`, { file, field: 'descr' });
  return arr.data as Uint8Array;
}

export async function openNyud2Dir(opts: Nyud2Options): Promise<Nyud2Dataset> {
  const { dir, split } = opts;
  const seed = opts.seed ?? 0;
  const crop = opts.crop ?? [228, 304];
  const depthSize: [number, number] = split === 'test' ? crop : (opts.depthSize ?? [crop[0] / 2, crop[1] / 2]);
  const shortSide = opts.shortSide ?? 240;
  const augment = opts.augment ?? split === 'train';
  const maxAngle = opts.maxAngle ?? 5;
  const mode = opts.onBadSample ?? 'error';
  const log = new BadSampleLog();
  const report = opts.onBadSamplesReport ?? BadSampleLog.warn;
  const rows = await readNyuCsv(path.join(dir, NYUD2_FILES[split]), { onBadSample: mode, badSamples: log });

  let mask: Uint8Array | null = null;
  if (split === 'test' && opts.mask !== false) {
    const file = typeof opts.mask === 'string' ? path.resolve(dir, opts.mask) : path.join(dir, NYUD2_FILES.mask);
    if (opts.mask || fs.existsSync(file)) mask = await loadMask(file, rows.length + log.items.length, crop); // skipped CSV rows keep their mask slice
  }
  const [H, W] = crop;
  const [dh, dw] = depthSize;
  let calls = 0;

  const workers = opts.workers ?? defaultWorkerCount();
  const run = sampleRunner(workers, runSampleTask);
  const xShape = [H, W, 3];
  const depthShape = [dh, dw, 1];
  const pass = datasetPasses({
    size: rows.length,
    shuffle: opts.shuffle ?? split === 'train',
    seed,
    task:
      (epoch) =>
      (i): Nyud2SampleTask => ({
        kind: 'nyud2',
        rgb: resolveNyuPath(dir, rows[i].rgb),
        depth: resolveNyuPath(dir, rows[i].depth),
        row: rows[i].line,
        shortSide,
        crop,
        depthSize,
        augment,
        maxAngle,
        seed,
        epoch,
        index: i,
      }),
    run,
    batchSize: opts.batchSize,
    prefetch: opts.prefetch ?? 2,
    dropLast: false,
    skip: mode === 'skip',
    log,
    report,
  });
  /** The balanced-mask slices of a batch's rows (test split with a mask). */
  const maskOf = (indices: number[]): Uint8Array | undefined => {
    if (!mask) return undefined;
    const m = new Uint8Array(indices.length * H * W);
    indices.forEach((i, k) => {
      const at = rows[i].index ?? i;
      m.set(mask!.subarray(at * H * W, (at + 1) * H * W), k * H * W);
    });
    return m;
  };

  async function* rawBatches(o: { epoch?: number } = {}): AsyncGenerator<Nyud2RawBatch> {
    const slabs = (total: number) =>
      new BatchSlabs(total, opts.batchSize, [H * W * 3, dh * dw], bufferAllocator(workers > 0));
    for await (const b of pass(o.epoch ?? calls++, slabs)) {
      const n = b.indices.length;
      yield {
        x: batchArray(b, 0, H * W * 3),
        xShape: [n, H, W, 3],
        depth: batchArray(b, 1, dh * dw),
        depthShape: [n, dh, dw, 1],
        mask: maskOf(b.indices),
        paths: b.indices.map((i) => rows[i].rgb),
        indices: b.indices,
      };
    }
  }

  async function* batches(o: { epoch?: number } = {}): AsyncGenerator<Nyud2Batch> {
    const slabs = (total: number) => tensorSlabs(total, opts.batchSize, [xShape, depthShape], workers > 0);
    for await (const b of pass(o.epoch ?? calls++, slabs)) {
      const m = maskOf(b.indices);
      yield {
        x: batchTensorOf(b, 0, xShape),
        depth: batchTensorOf(b, 1, depthShape),
        ...(m ? { mask: tf.tensor4d(Float32Array.from(m), [b.indices.length, H, W, 1], 'float32') } : {}),
        paths: b.indices.map((i) => rows[i].rgb),
        indices: b.indices,
      };
    }
  }

  return {
    split,
    size: rows.length,
    crop,
    depthSize,
    rows: () => rows.slice(),
    hasMask: mask !== null,
    batches,
    rawBatches,
    get badSamples() {
      return log.items;
    },
  };
}
