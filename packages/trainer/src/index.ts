/**
 * @bmse/trainer — the run config (zod schema, YAML, --set), the training loop (optimisers,
 * schedules, σ group, RRT, FDS, re-weighting, NYUD2 depth mask), evaluation records, progress and
 * logs, resume, and the `train` / `eval` command line. See ../README.md.
 */
export { BUILTIN_CONFIG } from './config/builtin.js';
export { defaultsFor } from './config/defaults.js';
export {
  applySets,
  ConfigError,
  configToYaml,
  loadConfig,
  readConfigFile,
  resolveConfig,
  selectionMetric,
} from './config/load.js';
export {
  type ConfigInput,
  configSchema,
  DATASETS,
  type DatasetFamily,
  type DatasetName,
  familyOf,
  type RunConfig,
} from './config/schema.js';
export { ensureDataset } from './data/prepare.js';
export { type EvalBatch, type EvalSplit, openTaskData, type TaskData, type TrainBatch } from './data/task-data.js';
export { type Evaluation, evaluate, type PerLabel, selectionValue } from './eval/evaluate.js';
export { type EvalRecord, writeEvalRecord } from './eval/record.js';
export { formatShotTable } from './eval/shot-table.js';
export { evaluateCheckpoint } from './eval-checkpoint.js';
export { balancedPixels, type Criterion, createCriterion } from './loss/criterion.js';
export { copyWeights, createNet, initialiseNet, resolveCheckpointDir } from './model/build.js';
export { createOptimizer, type ModelOptimizer } from './optim/optimizer.js';
export { learningRateAt } from './optim/schedule.js';
export { BarReporter, createReporter, LineReporter, type Reporter, type StepStatus } from './run/progress.js';
export { readRunConfig } from './run/run-config.js';
export { type EpochRow, RunFiles } from './run/run-files.js';
export { evaluateAndRecord, TrainingDivergedError, type TrainOptions, type TrainResult, train } from './train.js';
