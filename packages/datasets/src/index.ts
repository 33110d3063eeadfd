/**
 * @bmse/datasets — IMDB-WIKI-DIR, AgeDB-DIR and NYUD2-DIR loaders and transforms, balanced split builders,
 * fixture writers and synthetic benchmarks (reference spec §2). See ../README.md.
 */
export {
  type AgeBatch,
  type AgeDataset,
  type AgeDatasetOptions,
  type AgeRawBatch,
  openAgeDbDir,
  openImdbWikiDir,
} from './age-dataset.js';
export { AGE_SPLITS, type AgeRow, type AgeSplit, readAgeCsv, writeAgeCsv } from './csv/age-csv.js';
export { type NyuRow, readNyuCsv, resolveNyuPath, writeNyuCsv } from './csv/nyu-csv.js';
export {
  type BadSample,
  BadSampleLog,
  type BadSampleMode,
  DatasetError,
  type DatasetErrorDetails,
  reviveError,
  type SerializedError,
  serializeError,
} from './errors.js';
export { type AgeFixtureOptions, DEFAULT_AGE_SAMPLES, fixtureColor, writeAgeFixture } from './fixtures/age-fixture.js';
export { fixtureDepth, type Nyud2FixtureOptions, writeNyud2Fixture } from './fixtures/nyud2-fixture.js';
export { forEachLimit, writeGreyPng, writeImage } from './fixtures/write-files.js';
export { decodeGrey, decodeRgb, type GreyImage, type RgbImage } from './image/decode.js';
export { type NativeImage, nativeImage, nativeImageStatus } from './image/native.js';
export { cosdg, rotateOrder2, sindg, splineFilterOrder2 } from './image/spline-rotate.js';
export { releaseSlab, slabPoolStats } from './loader/batch-slabs.js';
export {
  type AgeSampleTask,
  type Nyud2SampleTask,
  runSampleTask,
  type SampleTask,
} from './loader/sample-tasks.js';
export { closeDataWorkers, defaultWorkerCount, SamplePool, sharedSamplePool } from './loader/worker-pool.js';
export { formatNpy, type NpyArray, type NpyDtype, parseNpy, readNpy, writeNpy } from './npy.js';
export {
  depthToMetres,
  NYUD2_FILES,
  type Nyud2Batch,
  type Nyud2Dataset,
  type Nyud2Options,
  type Nyud2RawBatch,
  type Nyud2Split,
  openNyud2Dir,
} from './nyud2-dataset.js';
export { type DownloadOptions, type DownloadResult, download } from './prepare/download.js';
export { extractArchive } from './prepare/extract.js';
export {
  downloadGdrive,
  gdriveConfirmUrl,
  gdriveError,
  gdriveFileId,
  gdriveUrl,
  NYUD2_GDRIVE_ID,
  normalizeGdriveUrl,
  resolveGdrive,
} from './prepare/gdrive.js';
export {
  buildAgeDbCsv,
  checkLayout,
  type DatasetName,
  IMDB_WIKI_URLS,
  type PrepareOptions,
  prepareDataset,
} from './prepare/recipes.js';
export { rngFor } from './rng.js';
export { type BalancedSplitOptions, makeBalancedSplit } from './splits/balanced-split.js';
export { type BalancedMask, buildBalancedMask, depthBin, NYUD2_BINS } from './splits/nyud2-mask.js';
export { writeNyud2BalancedMask } from './splits/nyud2-mask-dir.js';
export {
  ageRadius,
  renderAgeImage,
  type SyntheticAgeOptions,
  syntheticAgeRows,
  writeSyntheticAge,
} from './synthetic/age.js';
export { type AgeHistogramOptions, type AgeShape, ageHistogram } from './synthetic/age-histogram.js';
export { type SyntheticDepthOptions, writeSyntheticDepth } from './synthetic/depth.js';
export { type RenderedScene, renderDepthScene } from './synthetic/depth-scene.js';
export { matchDepthHistogram } from './synthetic/histogram-match.js';
export {
  type LinearSplit,
  makeSynthetic1d,
  makeSynthetic2d,
  type Synthetic1dOptions,
  type Synthetic2dOptions,
  type SyntheticLinear,
  writeSyntheticLinear,
} from './synthetic/linear.js';
export { NYUD2_TRAIN_BUCKET_COUNTS } from './synthetic/nyud2-bucket-counts.js';
export { AGE_STATS, IMAGENET_STATS, LIGHTING_PCA } from './transforms/normalize.js';
