/**
 * The live test table: MSE on the balanced test set, overall and per shot region, where a test
 * label's region comes from how many training labels share its bin (1-D: the five slider bins;
 * 2-D: the 5×5 cells) — many-shot above 100, few-shot below 20 (the DIR thresholds, spec §5.1).
 */
import { type Shot, shotRegions } from '@bmse/metrics';
import { binOfLabel } from './data.js';

export type Region = 'all' | Shot;
export const REGIONS: Region[] = ['all', 'many', 'medium', 'few'];

/** The bin (1-D) or cell (2-D) id of a label vector. */
export const cellOf = (y: number[]): number => y.reduce((id, v) => id * 5 + binOfLabel(v), 0);

export interface RegionMse {
  n: number;
  mse: number | null;
}

export function regionMse(preds: number[][], labels: number[][], trainLabels: number[][]): Record<Region, RegionMse> {
  const regions = shotRegions(trainLabels.map(cellOf), { many: 100, few: 20 });
  const acc: Record<Region, { n: number; se: number }> = {
    all: { n: 0, se: 0 },
    many: { n: 0, se: 0 },
    medium: { n: 0, se: 0 },
    few: { n: 0, se: 0 },
  };
  labels.forEach((y, i) => {
    const se = y.reduce((s, v, d) => s + (preds[i][d] - v) ** 2, 0) / y.length;
    for (const r of ['all', regions(cellOf(y))] as Region[]) {
      acc[r].n++;
      acc[r].se += se;
    }
  });
  const out = {} as Record<Region, RegionMse>;
  for (const r of REGIONS) out[r] = { n: acc[r].n, mse: acc[r].n ? acc[r].se / acc[r].n : null };
  return out;
}
