/** Figure (b): per-label test error of several methods on one chart (one line per paper row, mean over seeds), over the shot bands. */
import type { TopLevelSpec } from 'vega-lite';
import type { ShotBand } from '../shot-bands.js';
import { bandLayer, HEIGHT, METHOD_LEGEND, topLevel, WIDTH } from './style.js';

export interface ErrorPoint {
  row: string;
  x: number;
  value: number;
  seeds: number;
}

export interface PerLabelErrorFigure {
  title: string;
  subtitle: string;
  xTitle: string;
  yTitle: string;
  /** rows in legend order */
  rows: readonly string[];
  points: readonly ErrorPoint[];
  bands: readonly ShotBand[];
}

export function perLabelErrorSpec(f: PerLabelErrorFigure): TopLevelSpec {
  return topLevel({
    title: { text: f.title, subtitle: f.subtitle },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      bandLayer(f.bands),
      {
        data: { values: f.points.map((p) => ({ ...p })) },
        mark: { type: 'line', strokeWidth: 1.6, point: { size: 12 } },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: f.xTitle, scale: { nice: false, zero: false } },
          y: { field: 'value', type: 'quantitative', title: f.yTitle },
          color: {
            field: 'row',
            type: 'nominal',
            title: 'method',
            scale: { domain: [...f.rows] },
            sort: [...f.rows],
            legend: METHOD_LEGEND,
          },
          tooltip: [
            { field: 'row', type: 'nominal' },
            { field: 'x', type: 'quantitative' },
            { field: 'value', type: 'quantitative', format: '.3f' },
            { field: 'seeds', type: 'quantitative' },
          ],
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  });
}
