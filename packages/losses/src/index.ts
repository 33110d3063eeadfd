/**
 * @bmse/losses — Balanced MSE (Ren et al., CVPR 2022: BMC, GAI, BNI; 1-D and multi-dimensional),
 * the learnable noise σ, the DIR baseline losses and the label statistics (bins, LDS, weights,
 * GMM fit). Tensors in, scalar tensor out; see ../README.md.
 */
export { BalancedMSELoss, type BalancedMSELossOptions, type BalancedMseImpl } from './balanced-mse-loss.js';
export {
  type FocalOptions,
  focalL1,
  focalMse,
  type HuberOptions,
  huberLoss,
  type SampleWeights,
  weightedL1,
  weightedMse,
} from './baselines.js';
export { type BoundedBmcOptions, bmcLoss, bmcLossBounded, sampleNegativeIndices } from './bmc.js';
export { bmcLossMD } from './bmc-md.js';
export { bniLoss } from './bni.js';
export { LossInputError } from './errors.js';
export { gaiLoss, gaiLossMD } from './gai.js';
export type { GmmParams } from './gmm-params.js';
export type { KernelChoice, KernelOptions, NoiseVar } from './inputs.js';
export {
  type BucketInfo,
  type BucketInfoOptions,
  bucketInfo,
  type Nyud2BucketInfoOptions,
  nyud2BucketInfo,
  nyud2GmmPseudoLabels,
} from './stats/buckets.js';
export {
  type FitGmmOptions,
  type FitInfo,
  fitGmm,
  type Gmm,
  type GmmJSON,
  gmmFromJSON,
  lastFitInfo,
} from './stats/gmm.js';
export {
  type BoundaryMode,
  convolve1d,
  fdsKernelWindow,
  gaussianFilter1d,
  type LdsKernel,
  ldsKernels,
  ldsKernelWindow,
  triang,
} from './stats/lds.js';
export {
  NYUD2_BUCKET_NUM,
  NYUD2_BUCKET_START,
  NYUD2_TRAIN_BUCKET_NUM,
  nyud2BucketCenters,
  nyud2DepthBin,
  nyud2FilledCounts,
} from './stats/nyud2.js';
export {
  type LdsOptions,
  type Nyud2WeightOptions,
  nyud2BucketWeights,
  type PrepareWeightsOptions,
  prepareWeights,
  type Reweight,
  reweights,
} from './stats/weights.js';
