/**
 * Where a label's bin sits on a figure's x axis: ages (and synthetic labels) by their value, 1-wide bins
 * (or the labels' spacing); depth bins b = min(int(10·d), 99) as [0.1·b, 0.1·(b + 1)) metres (spec §5.2).
 */
import { type Dataset, familyOf } from './datasets.js';

export interface LabelAxis {
  title: string;
  start(label: number): number;
  end(label: number): number;
  center(label: number): number;
}

/** The smallest gap between distinct sorted labels (1 when there are fewer than two). */
export function labelStep(labels: readonly number[]): number {
  const xs = [...new Set(labels)].sort((a, b) => a - b);
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < xs.length; i++) step = Math.min(step, xs[i] - xs[i - 1]);
  return Number.isFinite(step) ? step : 1;
}

export function labelAxis(dataset: Dataset, labels: readonly number[]): LabelAxis {
  if (familyOf(dataset) === 'depth') {
    return {
      title: 'depth (m), 0.1 m bins',
      start: (b) => b / 10,
      end: (b) => (b + 1) / 10,
      center: (b) => (b + 0.5) / 10,
    };
  }
  const half = labelStep(labels) / 2;
  const isAge = dataset === 'imdb-wiki-dir' || dataset === 'agedb-dir' || dataset === 'synthetic-age';
  return {
    title: isAge ? 'age (years)' : 'label',
    start: (l) => l - half,
    end: (l) => l + half,
    center: (l) => l,
  };
}
