/** The datasets a run can name in `data.dataset` (the trainer's list), their metric family and the order the report lists them in. */
import { DATASETS, type DatasetName } from '@bmse/trainer';

export { DATASETS } from '@bmse/trainer';
export type Dataset = DatasetName;

/** age-like sets report { n, numLabels, mse, mae, gm, bmse, bmae } (spec §5.1); depth sets { n, rmse, …, delta3 } (spec §5.2). */
export type Family = 'age' | 'depth';

export const SHOT_KEYS = ['all', 'many', 'medium', 'few'] as const;
export type ShotKey = (typeof SHOT_KEYS)[number];

export const AGE_METRICS = ['mse', 'mae', 'gm', 'bmse', 'bmae'] as const;
export const DEPTH_METRICS = ['rmse', 'mae', 'absRel', 'log10', 'delta1', 'delta2', 'delta3'] as const;
export type MetricName = (typeof AGE_METRICS)[number] | (typeof DEPTH_METRICS)[number];

export function isDataset(value: unknown): value is Dataset {
  return typeof value === 'string' && (DATASETS as readonly string[]).includes(value);
}

export function familyOf(dataset: Dataset): Family {
  return dataset === 'nyud2-dir' || dataset === 'synthetic-depth' ? 'depth' : 'age';
}

export function metricNames(family: Family): readonly MetricName[] {
  return family === 'age' ? AGE_METRICS : DEPTH_METRICS;
}

/** Titles used in the tables and figures. */
export const DATASET_TITLES: Record<Dataset, string> = {
  'imdb-wiki-dir': 'IMDB-WIKI-DIR',
  'agedb-dir': 'AgeDB-DIR',
  'nyud2-dir': 'NYUD2-DIR',
  'synthetic-1d': 'Synthetic 1-D',
  'synthetic-2d': 'Synthetic 2-D',
  'synthetic-age': 'Synthetic age',
  'synthetic-depth': 'Synthetic depth',
};

export function compareDatasets(a: Dataset, b: Dataset): number {
  return DATASETS.indexOf(a) - DATASETS.indexOf(b);
}
