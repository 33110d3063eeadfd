/**
 * @bmse/metrics — the DIR evaluation protocol in plain TypeScript (no tfjs): shot regions from
 * training label counts, age metrics (MSE, MAE, GM, bMSE, bMAE) and NYUD2-DIR depth metrics
 * (RMSE, MAE, AbsRel, log10, δ1–δ3) overall and per many/medium/few shot. See ../README.md.
 */
export { type AgeMetrics, type AgeMetricsOptions, type AgeRegionMetrics, ageMetrics, type ShotTable } from './age.js';
export {
  type DepthMetrics,
  DepthMetricsAccumulator,
  type DepthMetricsOptions,
  type DepthRegionMetrics,
  depthMetrics,
  NYUD2_SHOT_BINS,
  nyud2DepthBin,
} from './depth.js';
export { MetricsInputError } from './errors.js';
export {
  type BinOf,
  integerBin,
  SHOTS,
  type Shot,
  type ShotRegions,
  type ShotThresholds,
  shotRegions,
  shotRegionsFromCounts,
} from './shots.js';
