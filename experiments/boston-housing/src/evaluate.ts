/**
 * The notebook's `validate` + `shot_metrics` (spec §2.4): overall MSE, L1 and G-mean against the
 * labels; by shot against the integer-cast labels, a label bin being many-shot with more than 10
 * training samples, few-shot with fewer than 2, medium otherwise.
 */
import { type AgeRegionMetrics, ageMetrics, shotRegions } from '@bmse/metrics';
import { binOf } from './split.js';

export type ShotName = 'all' | 'many' | 'medium' | 'few';
export const SHOT_NAMES: ShotName[] = ['all', 'many', 'medium', 'few'];
export interface Errors {
  n: number;
  mse: number;
  l1: number;
  gmean: number;
}
export type ShotTable = Record<ShotName, Errors>;

// #region evaluate
export function shotTable(preds: ArrayLike<number>, labels: number[], trainLabels: number[]): ShotTable {
  const regions = shotRegions(trainLabels.map(binOf), { many: 10, few: 2 });
  const overall = ageMetrics(preds, labels, regions).all;
  const byShot = ageMetrics(preds, labels.map(binOf), regions); // shot_metrics casts labels to int
  const row = (m: AgeRegionMetrics): Errors => ({
    n: m.n,
    mse: m.mse ?? Number.NaN,
    l1: m.mae ?? Number.NaN,
    gmean: m.gm ?? Number.NaN,
  }); // empty region: NaN, as numpy
  return { all: row(overall), many: row(byShot.many), medium: row(byShot.medium), few: row(byShot.few) };
}
// #endregion evaluate
