/**
 * The run configuration: one zod schema covering every option of the official train scripts
 * (spec §4.1 IMDB-WIKI-DIR / §4.2 NYUD2-DIR / §2.5 synthetic), grouped, camelCase. Unknown keys are
 * errors (the official scripts silently ignore misspelled flags). Dataset-family defaults live in
 * `defaults.ts`; `load.ts` merges them under the user's YAML and `--set` overrides.
 */
import { z } from 'zod';

export const DATASETS = [
  'imdb-wiki-dir',
  'agedb-dir',
  'nyud2-dir',
  'synthetic-1d',
  'synthetic-2d',
  'synthetic-age',
  'synthetic-depth',
] as const;
export type DatasetName = (typeof DATASETS)[number];

/** age-like: one integer label per image; depth: per-pixel labels; linear: vector x → vector y. */
export type DatasetFamily = 'age' | 'depth' | 'linear';
export function familyOf(dataset: DatasetName): DatasetFamily {
  if (dataset === 'nyud2-dir' || dataset === 'synthetic-depth') return 'depth';
  if (dataset === 'synthetic-1d' || dataset === 'synthetic-2d') return 'linear';
  return 'age';
}

const positiveInt = z.number().int().positive();
const kernel = z.enum(['gaussian', 'triang', 'laplace']);
const oddKs = z
  .number()
  .int()
  .positive()
  .refine((v) => v % 2 === 1, { message: 'must be an odd integer (the kernel has a centre)' });

/** Options of the synthetic generators (@bmse/datasets); each applies to the dataset named in its comment. */
const synthetic = z.strictObject({
  /** generator seed (the data; the run's `seed` drives initialisation, shuffling and augmentation) */
  seed: z.number().int().min(0),
  /** synthetic-1d/-2d: training label distribution */
  dist: z.enum(['normal', 'exponential']),
  /** synthetic-1d: Normal std (0.5/0.75/1) or Exponential rate (2/1.5/1); synthetic-2d: exponential rate */
  param: z.number().positive(),
  nTrain: positiveInt,
  nVal: positiveInt,
  nTest: positiveInt,
  /** synthetic-age: image side in pixels of the generated JPEGs */
  size: positiveInt,
  /** synthetic-age: histogram shape, peak count, floor count, val/test images per age */
  shape: z.enum(['agedb', 'imdb-wiki']),
  maxCount: positiveInt,
  minCount: positiveInt,
  maxSize: positiveInt,
  /** synthetic-age: Gaussian pixel noise (0–255 scale) */
  noise: z.number().min(0),
  /** synthetic-depth: frame size and frames per scene */
  width: positiveInt,
  height: positiveInt,
  framesPerScene: positiveInt,
  fdsSubset: positiveInt,
});

export const configSchema = z.strictObject({
  /** run name: the folder under runs/ (letters, digits, . _ -) */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, { message: 'use letters, digits, ".", "_" or "-"' }),
  /** the paper-table row this run belongs to (e.g. "Vanilla", "Balanced MSE (BMC)") */
  row: z.string().min(1),
  seed: z.number().int().min(0),
  /** tfjs backend (@bmse/backend initBackend) */
  backend: z.enum(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']),
  /** compute threads for wasm (0 = the backend's default) */
  threads: z.number().int().min(0),
  data: z.strictObject({
    dataset: z.enum(DATASETS),
    /** dataset folder; synthetic sets are generated there when missing */
    dir: z.string().min(1),
    /** split CSV (age sets) inside `dir`; '' = the dataset's default */
    csv: z.string(),
    /** square image side (age sets; official --img_size 224) */
    imageSize: positiveInt,
    /** official --batch_size */
    batchSize: positiveInt,
    /** evaluation batch size (0 = batchSize) */
    evalBatchSize: z.number().int().min(0),
    /** batches decoded ahead of training (official --workers plays this role) */
    prefetch: z.number().int().min(0),
    /** train-time augmentation (the official transforms); off only for debugging */
    augment: z.boolean(),
    /** NYUD2 CPU scaling: short side of the Scale step (240 in the paper), crop [H, W] (228×304) */
    shortSide: positiveInt,
    crop: z.tuple([positiveInt, positiveInt]),
    synthetic: synthetic,
  }),
  model: z.strictObject({
    /** ResNet depth of the regressor (age) or of the depth net's encoder; 'linear' for synthetic-1d/-2d */
    arch: z.enum(['resnet18', 'resnet34', 'resnet50', 'linear']),
    /** scales every channel count (1 = the paper's network) */
    widthMultiplier: z.number().positive(),
    /** a checkpoint (run folder or checkpoint folder) to start from (official --pretrained) */
    pretrained: z.string(),
    /** depth net: PyTorch ImageNet encoder weights (.safetensors / .pth-converted) */
    encoderWeights: z.string(),
  }),
  optimizer: z.strictObject({
    name: z.enum(['adam', 'sgd']),
    lr: z.number().positive(),
    /** SGD momentum (official 0.9) */
    momentum: z.number().min(0).max(1),
    /** L2 added to the gradient, as torch (IMDB: SGD only, 1e-4; NYUD2: Adam 1e-4) */
    weightDecay: z.number().min(0),
  }),
  schedule: z.strictObject({
    epochs: positiveInt,
    /** step: ×gamma at each milestone (IMDB); nyud2: ×0.1 every 5 epochs; cosine: CosineAnnealingLR(T_max = epochs) */
    type: z.enum(['step', 'nyud2', 'cosine', 'constant']),
    milestones: z.array(z.number().int().min(0)),
    gamma: z.number().positive(),
  }),
  loss: z.strictObject({
    /** the plain criterion (official --loss; ignored when bmse.enabled) */
    name: z.enum(['mse', 'l1', 'focal_l1', 'focal_mse', 'huber']),
    focalBeta: z.number().positive(),
    focalGamma: z.number().positive(),
    huberBeta: z.number().positive(),
    /** a step whose loss is not finite or above this stops training (official assert 1e6) */
    maxLoss: z.number().positive(),
  }),
  /** per-sample (per-pixel for depth) re-weighting (official --reweight) */
  reweight: z.enum(['none', 'inverse', 'sqrt_inv']),
  lds: z.strictObject({ enabled: z.boolean(), kernel, ks: oddKs, sigma: z.number().positive() }),
  fds: z.strictObject({
    enabled: z.boolean(),
    kernel,
    ks: oddKs,
    sigma: z.number().positive(),
    startUpdate: z.number().int().min(0),
    startSmooth: z.number().int().min(0),
    bucketNum: positiveInt,
    bucketStart: z.number().int().min(0),
    momentum: z.number().min(0).max(1),
  }),
  bmse: z.strictObject({
    enabled: z.boolean(),
    impl: z.enum(['gai', 'bmc', 'bni']),
    /** GAI: a GMM JSON file (fitGmm(...).toJSON()); '' = fit one on the training labels */
    gmm: z.string(),
    /** GAI: components when fitting (official --K: 8 age, 16 depth) */
    gmmK: positiveInt,
    initNoiseSigma: z.number().positive(),
    sigmaLr: z.number().min(0),
    fixNoiseSigma: z.boolean(),
    /** depth: Balanced MSE only on pixels with ground truth ≥ this (spec §4.2: 0.7 m) */
    minDepth: z.number().min(0),
  }),
  /** regressor re-training (official --retrain_fc): fresh final layer, frozen trunk; needs model.pretrained */
  rrt: z.strictObject({ enabled: z.boolean() }),
  selection: z.strictObject({
    /** the split evaluated after each epoch to pick the best checkpoint (NYUD2 official: test) */
    split: z.enum(['val', 'test']),
    /** auto = val MSE for loss mse, val MAE otherwise (age); RMSE (depth); with balancedMetric the label-averaged form */
    metric: z.enum(['auto', 'mae', 'mse', 'bmae', 'bmse', 'rmse']),
    /** official --balanced_metric */
    balancedMetric: z.boolean(),
  }),
  /** evaluate (and checkpoint `last`) every N epochs (synthetic official: 400) */
  evalEvery: positiveInt,
  /** log a training line every N steps (official --print_freq) */
  printFreq: positiveInt,
  /** shot thresholds (spec §5.1: many > 100, few < 20 training samples per label) */
  shots: z.strictObject({ many: z.number().min(0), few: z.number().min(0) }),
});

export type RunConfig = z.infer<typeof configSchema>;

/** A partial config (what YAML files and presets hold). */
export type ConfigInput = DeepPartial<RunConfig>;
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
