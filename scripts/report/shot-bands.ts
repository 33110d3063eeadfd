/**
 * Many / medium / few regions along the label axis (spec §5.1 thresholds many > 100, few < 20 training
 * samples; §5.2 the hard-coded NYUD2 bin lists), merged into bands for shading the figures.
 */
import { NYUD2_SHOT_BINS, shotRegionsFromCounts } from '@bmse/metrics';
import { type Dataset, familyOf } from './datasets.js';
import type { HistogramEntry, PerLabelEntry, Shot } from './eval-file.js';
import type { LabelAxis } from './label-axis.js';

export const SHOT_ORDER: readonly Shot[] = ['many', 'medium', 'few'];

export interface ShotBand {
  shot: Shot;
  start: number;
  end: number;
}

/**
 * The shot of every label in the histogram or perLabel: the evaluator's own `perLabel[].shot` where it
 * has one, else the NYUD2 bin lists (depth) or the training count thresholds (age-like).
 */
export function labelShots(
  dataset: Dataset,
  hist: readonly HistogramEntry[],
  perLabel: readonly PerLabelEntry[] = [],
): Map<number, Shot> {
  const shots = new Map<number, Shot>(perLabel.map((p) => [p.label, p.shot]));
  const labels = [...new Set([...hist.map((h) => h.label), ...perLabel.map((p) => p.label)])].sort((a, b) => a - b);
  let fallback: (label: number) => Shot;
  if (familyOf(dataset) === 'depth') {
    const bins = new Map<number, Shot>();
    for (const s of SHOT_ORDER) for (const b of NYUD2_SHOT_BINS[s]) bins.set(b, s);
    fallback = (b) => bins.get(b) ?? 'few';
  } else {
    const regions = shotRegionsFromCounts(new Map(hist.map((h) => [Math.floor(h.label), h.count])));
    fallback = (l) => regions(l);
  }
  return new Map(labels.map((l) => [l, shots.get(l) ?? fallback(l)]));
}

/** Consecutive labels of one shot merged into one band; a new band starts where the shot changes. */
export function shotBands(shots: ReadonlyMap<number, Shot>, axis: LabelAxis): ShotBand[] {
  const bands: ShotBand[] = [];
  for (const label of [...shots.keys()].sort((a, b) => a - b)) {
    const shot = shots.get(label)!;
    const last = bands[bands.length - 1];
    if (last && last.shot === shot) last.end = axis.end(label);
    else bands.push({ shot, start: axis.start(label), end: axis.end(label) });
  }
  return bands;
}
