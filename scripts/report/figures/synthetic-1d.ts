/**
 * Figure (c), the paper's 1-D synthetic benchmark (spec §2.5): left, the fitted lines y = k·x + b per method
 * over x ∈ [0, 10] with the oracle y = x; right, the density of each method's test predictions against the
 * training label distribution.
 */
import type { TopLevelSpec } from 'vega-lite';
import { HEIGHT, METHOD_LEGEND, methodColors, topLevel } from './style.js';

export interface FittedMethod {
  row: string;
  seed: number;
  k: number;
  b: number;
  predictions: readonly number[];
}

export interface Synthetic1dFigure {
  title: string;
  subtitle: string;
  methods: readonly FittedMethod[];
  /** training label histogram as density bars */
  trainBars: readonly { start: number; end: number; density: number }[];
}

export const ORACLE = 'Oracle (y = x)';
export const X_RANGE: readonly [number, number] = [0, 10];

const PANEL = 340;

export function synthetic1dSpec(f: Synthetic1dFigure): TopLevelSpec {
  const rows = f.methods.map((m) => m.row);
  const [lo, hi] = X_RANGE;
  const lines = [
    ...f.methods.flatMap((m) => [lo, hi].map((x) => ({ row: m.row, kind: 'fitted', x, y: m.k * x + m.b }))),
    { row: ORACLE, kind: 'oracle', x: lo, y: lo },
    { row: ORACLE, kind: 'oracle', x: hi, y: hi },
  ];
  const preds = f.methods.flatMap((m) => m.predictions.map((pred) => ({ row: m.row, pred })));
  const color = {
    field: 'row',
    type: 'nominal',
    title: 'method',
    scale: { domain: [...rows, ORACLE], range: [...methodColors(rows.length), '#222222'] },
    sort: [...rows, ORACLE],
    legend: METHOD_LEGEND,
  };
  return topLevel({
    title: { text: f.title, subtitle: f.subtitle },
    hconcat: [
      {
        title: 'fitted regressors',
        width: PANEL,
        height: HEIGHT,
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 2, clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'x', scale: { domain: [lo, hi] } },
          y: { field: 'y', type: 'quantitative', title: 'ŷ = k·x + b', scale: { domain: [lo, hi] } },
          color,
          strokeDash: {
            field: 'kind',
            type: 'nominal',
            scale: {
              domain: ['fitted', 'oracle'],
              range: [
                [1, 0],
                [5, 4],
              ],
            },
            legend: null,
          },
        },
      },
      {
        title: 'predicted label density (test) vs training labels',
        width: PANEL,
        height: HEIGHT,
        layer: [
          {
            data: { values: f.trainBars.map((b) => ({ ...b })) },
            mark: { type: 'rect', color: '#bbbbbb', opacity: 0.7 },
            encoding: {
              x: { field: 'start', type: 'quantitative', title: 'label y', scale: { domain: [lo, hi] } },
              x2: { field: 'end' },
              y: { field: 'density', type: 'quantitative', title: 'density' },
            },
          },
          {
            data: { values: preds },
            transform: [{ density: 'pred', groupby: ['row'], extent: [lo, hi], steps: 200 }],
            mark: { type: 'line', strokeWidth: 2, clip: true },
            encoding: {
              x: { field: 'value', type: 'quantitative' },
              y: { field: 'density', type: 'quantitative' },
              color,
            },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'shared' } },
  });
}
