/**
 * One interface over the three dataset families the trainer runs (spec §2): age-like sets
 * (IMDB-WIKI-DIR, AgeDB-DIR, synthetic-age: an image → an age), depth sets (NYUD2-DIR,
 * synthetic-depth: an image → a depth map) and the synthetic linear benchmarks (a vector → a
 * vector). Batches are tensors the caller disposes.
 */
import { tf } from '@bmse/backend';
import {
  type AgeDataset,
  makeSynthetic1d,
  makeSynthetic2d,
  type Nyud2Dataset,
  openAgeDbDir,
  openImdbWikiDir,
  openNyud2Dir,
  rngFor,
  type SyntheticLinear,
} from '@bmse/datasets';
import { nyud2BucketWeights, nyud2DepthBin, prepareWeights } from '@bmse/losses';
import type { RunConfig } from '../config/schema.js';
import { familyOf } from '../config/schema.js';
import { AGE_MAX_TARGET, fractionalAgeNote } from './age-labels.js';
import { linearLabelDensity } from './synthetic-density.js';

export interface TrainBatch {
  /** [B, H, W, 3] images or [B, d] vectors */
  x: tf.Tensor;
  /** [B, 1] ages, [B, h, w, 1] depths or [B, d] targets */
  y: tf.Tensor;
  /** per-sample [B, 1] or per-pixel [B, h, w, 1] weights (re-weighting / LDS), mean 1 */
  w?: tf.Tensor;
  n: number;
}

export interface EvalBatch {
  x: tf.Tensor;
  y: tf.Tensor;
  /** depth test: [B, H, W, 1] 0/1 balanced mask */
  mask?: tf.Tensor;
  n: number;
}

export type EvalSplit = 'val' | 'test';

export interface TaskData {
  readonly family: 'age' | 'depth' | 'linear';
  /** training samples (images or vectors) */
  readonly trainSize: number;
  readonly stepsPerEpoch: number;
  /** output dimension per sample (age 1, depth 1 per pixel, linear d) */
  readonly outputs: number;
  /** training labels per sample (age; linear: y rows flattened per sample when d = 1, else [] ) */
  readonly trainLabels: number[];
  /** linear: training targets [N][d] */
  readonly trainTargets: number[][];
  /** input shape of one sample */
  readonly inputShape: number[];
  /** what the user should hear once about the data (e.g. fractional ages binned by int(age)) */
  readonly notes: string[];
  /** depth: [h, w] of the training depth maps (= the network's output) */
  readonly targetShape?: [number, number];
  /** batches of one training epoch; the order and augmentation are keyed by (seed, epoch) */
  train(epoch: number): AsyncIterable<TrainBatch>;
  /** the pass that collects FDS statistics after an epoch (IMDB: the train loader; NYUD2: the FDS subset) */
  fdsPass(epoch: number): AsyncIterable<{ x: tf.Tensor; y: tf.Tensor; n: number }>;
  eval(split: EvalSplit): AsyncIterable<EvalBatch>;
  hasSplit(split: EvalSplit): boolean;
}

export async function openTaskData(c: RunConfig): Promise<TaskData> {
  const family = familyOf(c.data.dataset);
  if (family === 'age') return openAgeTask(c);
  if (family === 'depth') return openDepthTask(c);
  return openLinearTask(c);
}

async function openAgeTask(c: RunConfig): Promise<TaskData> {
  const open = c.data.dataset === 'agedb-dir' ? openAgeDbDir : openImdbWikiDir;
  const evalBatch = c.data.evalBatchSize || c.data.batchSize;
  const common = {
    dir: c.data.dir,
    csv: c.data.csv || undefined,
    imageSize: c.data.imageSize,
    seed: c.seed,
    prefetch: c.data.prefetch,
    maxTarget: AGE_MAX_TARGET,
  };
  const plain = await open({ ...common, split: 'train', augment: c.data.augment, batchSize: c.data.batchSize });
  const labels = plain.labels();
  // spec §1.7 re-weighting / LDS (official _prepare_weights)
  const weights =
    c.reweight === 'none'
      ? null
      : prepareWeights(labels, {
          reweight: c.reweight,
          lds: c.lds.enabled,
          ldsKernel: c.lds.kernel,
          ldsKs: c.lds.ks,
          ldsSigma: c.lds.sigma,
        });
  const train = weights
    ? await open({ ...common, split: 'train', augment: c.data.augment, batchSize: c.data.batchSize, weights })
    : plain;
  const evals: Partial<Record<EvalSplit, AgeDataset>> = {};
  for (const split of ['val', 'test'] as const) {
    const ds = await open({ ...common, split, augment: false, batchSize: evalBatch, shuffle: false });
    if (ds.size > 0) evals[split] = ds;
  }
  return {
    family: 'age',
    trainSize: train.size,
    stepsPerEpoch: Math.ceil(train.size / c.data.batchSize),
    outputs: 1,
    trainLabels: labels,
    trainTargets: labels.map((l) => [l]),
    inputShape: [c.data.imageSize, c.data.imageSize, 3],
    notes: [fractionalAgeNote(plain)].filter((n): n is string => n !== null),
    async *train(epoch) {
      for await (const b of train.batches({ epoch })) yield { x: b.x, y: b.y, w: b.w, n: b.paths.length };
    },
    async *fdsPass(epoch) {
      // official IMDB: the full, augmented, shuffled train loader (spec §1.7 FDS)
      for await (const b of plain.batches({ epoch })) yield { x: b.x, y: b.y, n: b.paths.length };
    },
    async *eval(split) {
      const ds = evals[split];
      if (!ds) throw new Error(`${c.data.dataset} in ${c.data.dir} has no ${split} samples`);
      for await (const b of ds.batches({ epoch: 0 })) yield { x: b.x, y: b.y, n: b.paths.length };
    },
    hasSplit: (split) => evals[split] !== undefined,
  };
}

/**
 * The depth net's output size for an H×W input: twice the ResNet layer1 map, 2·⌈⌈H/2⌉/2⌉ (conv1 and the
 * max-pool both round up). 228×304 → 114×152 as the official code; CPU crops like 114×152 give 58×76.
 */
export function depthOutputSize([h, w]: [number, number]): [number, number] {
  return [2 * Math.ceil(Math.ceil(h / 2) / 2), 2 * Math.ceil(Math.ceil(w / 2) / 2)];
}

async function openDepthTask(c: RunConfig): Promise<TaskData> {
  const common = {
    dir: c.data.dir,
    seed: c.seed,
    shortSide: c.data.shortSide,
    crop: c.data.crop,
    prefetch: c.data.prefetch,
  };
  // training targets at the network's output size (spec §2.3: 114×152 for the paper's 228×304 crop)
  const depthSize = depthOutputSize(c.data.crop);
  const train = await openNyud2Dir({
    ...common,
    depthSize,
    split: 'train',
    batchSize: c.data.batchSize,
    augment: c.data.augment,
  });
  const fds = c.fds.enabled
    ? await openNyud2Dir({ ...common, depthSize, split: 'fds', batchSize: c.data.batchSize, augment: false })
    : null;
  const test = await openNyud2Dir({ ...common, split: 'test', batchSize: c.data.evalBatchSize || 1, augment: false });
  // spec §1.7 per-pixel weights from the training pixel histogram (official nyud2-dir/loaddata.py)
  const binWeights =
    c.reweight === 'none'
      ? null
      : nyud2BucketWeights({
          reweight: c.reweight,
          lds: c.lds.enabled,
          ldsKernel: c.lds.kernel,
          ldsKs: c.lds.ks,
          ldsSigma: c.lds.sigma,
        });
  const weightTable = binWeights ? Float32Array.from(binWeights) : null;
  const pixelWeights = async (depth: tf.Tensor): Promise<tf.Tensor> => {
    const d = await depth.data();
    const w = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) w[i] = (weightTable as Float32Array)[nyud2DepthBin(d[i])];
    return tf.tensor(w, depth.shape);
  };
  return {
    family: 'depth',
    trainSize: train.size,
    stepsPerEpoch: Math.ceil(train.size / c.data.batchSize),
    outputs: 1,
    trainLabels: [],
    notes: [],
    trainTargets: [],
    inputShape: [c.data.crop[0], c.data.crop[1], 3],
    targetShape: depthSize,
    async *train(epoch) {
      for await (const b of train.batches({ epoch })) {
        b.mask?.dispose();
        yield { x: b.x, y: b.depth, w: weightTable ? await pixelWeights(b.depth) : undefined, n: b.paths.length };
      }
    },
    async *fdsPass(epoch) {
      if (!fds) return;
      for await (const b of fds.batches({ epoch })) yield { x: b.x, y: b.depth, n: b.paths.length };
    },
    async *eval(split) {
      if (split !== 'test') throw new Error(`${c.data.dataset} has no ${split} split (NYUD2-DIR evaluates on test)`);
      if (!test.hasMask)
        throw new Error(`${c.data.dir}: test_balanced_mask.npy is missing; the depth metrics are defined on it`);
      for await (const b of (test as Nyud2Dataset).batches({ epoch: 0 }))
        yield { x: b.x, y: b.depth, mask: b.mask, n: b.paths.length };
    },
    hasSplit: (split) => split === 'test',
  };
}

function linearData(c: RunConfig): SyntheticLinear {
  const s = c.data.synthetic;
  const common = { seed: s.seed, dist: s.dist, nTrain: s.nTrain, nVal: s.nVal, nTest: s.nTest };
  return c.data.dataset === 'synthetic-1d'
    ? makeSynthetic1d({ ...common, param: s.param })
    : makeSynthetic2d({ ...common, rate: s.param });
}

async function openLinearTask(c: RunConfig): Promise<TaskData> {
  const data = linearData(c);
  const d = data.dims;
  const n = data.train.y.length;
  // synthetic ReweightL2 (spec §1.6): weight ∝ p_train(y)^-1 or ^-1/2 with the true density, normalised per batch
  const density = c.reweight === 'none' ? null : linearLabelDensity(c);
  const power = c.reweight === 'inverse' ? 1 : 0.5;
  const raw = density ? data.train.y.map((y) => density(y) ** -power) : null;
  const batch = c.data.batchSize;
  const rows = (idx: number[], m: number[][]) =>
    tf.tensor2d(
      idx.map((i) => m[i]),
      [idx.length, d],
    );
  return {
    family: 'linear',
    trainSize: n,
    stepsPerEpoch: Math.ceil(n / batch),
    outputs: d,
    trainLabels: d === 1 ? data.train.y.map((r) => r[0]) : [],
    notes: [],
    trainTargets: data.train.y,
    inputShape: [d],
    async *train(epoch) {
      const order = Array.from({ length: n }, (_, i) => i);
      const rng = rngFor(c.seed, 'linear-shuffle', epoch);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let s = 0; s < n; s += batch) {
        const idx = order.slice(s, s + batch);
        let w: tf.Tensor | undefined;
        if (raw) {
          const ws = idx.map((i) => raw[i]);
          const mean = ws.reduce((a, b) => a + b, 0) / ws.length;
          w = tf.tensor2d(
            ws.map((v) => [v / mean]),
            [idx.length, 1],
          );
        }
        yield { x: rows(idx, data.train.x), y: rows(idx, data.train.y), w, n: idx.length };
      }
    },
    async *fdsPass() {},
    async *eval(split) {
      const s = data[split];
      const evalBatch = c.data.evalBatchSize || 1024;
      for (let i = 0; i < s.y.length; i += evalBatch) {
        const idx = Array.from({ length: Math.min(evalBatch, s.y.length - i) }, (_, k) => i + k);
        yield { x: rows(idx, s.x), y: rows(idx, s.y), n: idx.length };
      }
    },
    hasSplit: () => true,
  };
}

/** Test-set inputs and targets of a synthetic linear benchmark (for eval/<split>.json `predictions`). */
export function linearSplit(c: RunConfig, split: EvalSplit): { x: number[][]; y: number[][] } {
  return linearData(c)[split];
}
