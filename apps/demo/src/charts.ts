/** The demo's charts as Vega-Lite specs (vega-embed renders them; the training loop streams data into their named datasets). */
import type { TopLevelSpec } from 'vega-lite';
import { METHOD_COLORS } from './methods.js';

const series = Object.keys(METHOD_COLORS);

/** What every chart of the page shares: the schema, the container's width, a height and a title. */
const frame = (height: number, title: string) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: 'container' as const,
  height,
  title,
});
const color = {
  field: 'method',
  type: 'nominal' as const,
  title: null,
  scale: { domain: [...series, 'Training labels'], range: [...Object.values(METHOD_COLORS), '#bbbbbb'] },
  legend: { orient: 'bottom' as const, columns: 3 },
};

/** Training scatter (x, y) with the fitted lines and the oracle y = x. */
export function fitSpec(dims: 1 | 2): TopLevelSpec {
  const axis = { type: 'quantitative' as const, scale: { domain: [-3, 13] } };
  return {
    ...frame(300, dims === 1 ? 'Training samples and fitted lines' : 'Mean prediction of y₁ per true y₁ (test set)'),
    layer: [
      {
        data: { name: 'points' },
        mark: { type: 'circle', size: 14, opacity: 0.35, color: '#999999' },
        encoding: {
          x: { field: 'x', ...axis, title: dims === 1 ? 'x' : 'x₁' },
          y: { field: 'y', ...axis, title: dims === 1 ? 'y' : 'y₁' },
        },
      },
      {
        data: { name: 'lines' },
        mark: { type: 'line', strokeWidth: 2.5, clip: true },
        encoding: {
          x: { field: 'x', ...axis },
          y: { field: 'y', ...axis },
          color,
          strokeDash: { condition: { test: "datum.method === 'Oracle'", value: [6, 4] }, value: [1, 0] },
          detail: { field: 'method' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** The training-label histogram over the five slider bins (horizontal, as the official demo). */
export function histogramSpec(): TopLevelSpec {
  return {
    ...frame(300, 'Training labels per bin'),
    data: { name: 'histogram' },
    mark: { type: 'bar', color: '#bbbbbb' },
    encoding: {
      y: { field: 'bin', type: 'ordinal', sort: 'descending', title: 'label bin' },
      x: { field: 'count', type: 'quantitative', title: 'samples' },
      tooltip: [{ field: 'bin' }, { field: 'count' }],
    },
  } as TopLevelSpec;
}

/** Density of each method's test predictions against the training-label density (the paper's figure 1). */
export function densitySpec(): TopLevelSpec {
  return {
    ...frame(220, 'Predicted-label density on the balanced test set vs training labels'),
    data: { name: 'density' },
    transform: [{ density: 'value', groupby: ['method'], extent: [-2, 12], bandwidth: 0.4 }],
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: { field: 'value', type: 'quantitative', title: 'label / prediction' },
      y: { field: 'density', type: 'quantitative', title: 'density' },
      color,
    },
  } as TopLevelSpec;
}
