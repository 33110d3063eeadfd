/**
 * Defaults equal to the official scripts: IMDB-WIKI-DIR / AgeDB-DIR `imdb-wiki-dir/train.py`
 * (spec §4.1), NYUD2-DIR `nyud2-dir/train.py` (§4.2), synthetic `main_1d.py` / `main_2d.py` (§2.5).
 */
import { type ConfigInput, type DatasetName, familyOf, type RunConfig } from './schema.js';

type Base = Omit<RunConfig, 'name' | 'row' | 'data'> & { data: Omit<RunConfig['data'], 'dataset' | 'dir'> };

/** spec §4.1 (the age recipe is the base; the other families override parts of it) */
const ageDefaults: Base = {
  seed: 0,
  backend: 'auto',
  threads: 0,
  data: {
    csv: '',
    imageSize: 224,
    batchSize: 256,
    evalBatchSize: 0,
    prefetch: 2,
    augment: true,
    shortSide: 240,
    crop: [228, 304],
    synthetic: {
      seed: 0,
      dist: 'normal',
      param: 0.5,
      nTrain: 1024,
      nVal: 1024,
      nTest: 1024,
      size: 32,
      shape: 'agedb',
      maxCount: 120,
      minCount: 4,
      maxSize: 10,
      noise: 10,
      width: 160,
      height: 120,
      framesPerScene: 10,
      fdsSubset: 600,
    },
  },
  model: { arch: 'resnet50', widthMultiplier: 1, pretrained: '', encoderWeights: '' },
  optimizer: { name: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0 },
  schedule: { epochs: 90, type: 'step', milestones: [60, 80], gamma: 0.1 },
  loss: { name: 'l1', focalBeta: 0.2, focalGamma: 1, huberBeta: 1, maxLoss: 1e6 },
  reweight: 'none',
  lds: { enabled: false, kernel: 'gaussian', ks: 5, sigma: 1 },
  fds: {
    enabled: false,
    kernel: 'gaussian',
    ks: 5,
    sigma: 1,
    startUpdate: 0,
    startSmooth: 1,
    bucketNum: 100,
    bucketStart: 0,
    momentum: 0.9,
  },
  bmse: {
    enabled: false,
    impl: 'gai',
    gmm: '',
    gmmK: 8,
    initNoiseSigma: 1,
    sigmaLr: 1e-2,
    fixNoiseSigma: false,
    minDepth: 0.7,
  },
  rrt: { enabled: false },
  selection: { split: 'val', metric: 'auto', balancedMetric: false },
  evalEvery: 1,
  printFreq: 10,
  shots: { many: 100, few: 20 },
};

/** spec §4.2 */
const depthOverrides: ConfigInput = {
  data: { batchSize: 32 },
  optimizer: { name: 'adam', lr: 1e-4, weightDecay: 1e-4 },
  schedule: { epochs: 10, type: 'nyud2', milestones: [] },
  loss: { name: 'mse' },
  lds: { sigma: 2 },
  fds: { sigma: 2, bucketStart: 7 },
  bmse: { gmmK: 16 },
  selection: { split: 'test' },
};

/** spec §2.5 main_1d.py: Linear(1,1), SGD 1e-3 momentum 0.9, cosine over 2000 epochs, eval every 400 */
const synthetic1dOverrides: ConfigInput = {
  data: { synthetic: { nTrain: 1024, nVal: 1024, nTest: 1024, dist: 'normal', param: 0.5 } },
  model: { arch: 'linear' },
  optimizer: { name: 'sgd', lr: 1e-3, momentum: 0.9, weightDecay: 0 },
  schedule: { epochs: 2000, type: 'cosine', milestones: [] },
  loss: { name: 'mse' },
  bmse: { gmmK: 1, initNoiseSigma: 1, sigmaLr: 1e-3 },
  evalEvery: 400,
  printFreq: 1000,
};

/** spec §2.5 main_2d.py: Linear(2,2), Adam 0.2, cosine over 10,000 epochs, 1024/256/256 */
const synthetic2dOverrides: ConfigInput = {
  ...synthetic1dOverrides,
  data: { synthetic: { nTrain: 1024, nVal: 256, nTest: 256, dist: 'normal', param: 1 } },
  optimizer: { name: 'adam', lr: 0.2, momentum: 0.9, weightDecay: 0 },
  schedule: { epochs: 10000, type: 'cosine', milestones: [] },
  bmse: { gmmK: 1, initNoiseSigma: 1, sigmaLr: 1e-2 },
  evalEvery: 2000,
};

/** synthetic-depth: small frames (160×120 → scale 120, crop 114×152) */
const syntheticDepthOverrides: ConfigInput = {
  data: { shortSide: 120, crop: [114, 152], synthetic: { nTrain: 200, nTest: 40 } },
};

const syntheticAgeOverrides: ConfigInput = {
  data: { imageSize: 32 },
};

/** Deep merge of plain objects; arrays and scalars from `over` replace those of `base`. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out as T;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The full default config for a dataset (before the user's values). */
export function defaultsFor(dataset: DatasetName): Omit<RunConfig, 'name' | 'row'> {
  let d = deepMerge(ageDefaults, {}) as Base;
  const family = familyOf(dataset);
  if (family === 'depth') d = deepMerge(d, depthOverrides);
  if (dataset === 'synthetic-1d') d = deepMerge(d, synthetic1dOverrides);
  if (dataset === 'synthetic-2d') d = deepMerge(d, synthetic2dOverrides);
  if (dataset === 'synthetic-depth') d = deepMerge(d, syntheticDepthOverrides);
  if (dataset === 'synthetic-age') d = deepMerge(d, syntheticAgeOverrides);
  return { ...d, data: { ...d.data, dataset, dir: `data/${dataset}` } };
}
