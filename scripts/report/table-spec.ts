/** Which metrics each results table shows, in the paper's layout: age sets bMAE / MAE / GM (+ bMSE / MSE), depth sets RMSE / δ1 (spec §5.1, §6.1, §6.4). */
import type { Family, MetricName, ShotKey } from './datasets.js';

export interface MetricBlock {
  metric: MetricName;
  title: string;
  decimals: number;
}

export interface TableSpec {
  id: string;
  title: string;
  blocks: MetricBlock[];
}

export const SHOT_TITLES: Record<ShotKey, string> = { all: 'All', many: 'Many', medium: 'Med.', few: 'Few' };

/** Age sets: bMAE is the Balanced MSE README's reported metric (spec §5.1), MAE/GM the DIR tables' (§6.3). */
const AGE_TABLES: TableSpec[] = [
  {
    id: 'mae',
    title: 'bMAE, MAE, GM',
    blocks: [
      { metric: 'bmae', title: 'bMAE', decimals: 2 },
      { metric: 'mae', title: 'MAE', decimals: 2 },
      { metric: 'gm', title: 'GM', decimals: 2 },
    ],
  },
  {
    id: 'mse',
    title: 'bMSE, MSE',
    blocks: [
      { metric: 'bmse', title: 'bMSE', decimals: 2 },
      { metric: 'mse', title: 'MSE', decimals: 2 },
    ],
  },
];

/** Depth sets: RMSE and δ1 per shot (spec §5.2, §6.4). */
const DEPTH_TABLES: TableSpec[] = [
  {
    id: 'rmse',
    title: 'RMSE (m), δ1',
    blocks: [
      { metric: 'rmse', title: 'RMSE', decimals: 3 },
      { metric: 'delta1', title: 'δ1', decimals: 3 },
    ],
  },
];

export function tableSpecs(family: Family): TableSpec[] {
  return family === 'age' ? AGE_TABLES : DEPTH_TABLES;
}
