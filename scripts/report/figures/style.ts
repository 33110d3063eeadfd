/** Shared look of the figures: size, font, shot-band colours and the band layer. */
import type { TopLevelSpec } from 'vega-lite';
import type { ShotBand } from '../shot-bands.js';
import { FONT } from '../vega-render.js';

export const WIDTH = 560;
export const HEIGHT = 280;

export const CONFIG = { font: FONT, view: { stroke: '#888' }, axis: { grid: true, gridOpacity: 0.4 } };

export const SHOT_COLORS = { domain: ['many', 'medium', 'few'], range: ['#9ecae1', '#fdd49e', '#fc9272'] };

/** The method legend: whole row labels ("Balanced MSE (BMC), end to end"), not vega's 160 px cut. */
export const METHOD_LEGEND = { labelLimit: 360 } as const;

/** Vega's default categorical colours (tableau10), assigned to methods in legend order. */
export const METHOD_COLORS = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];

export function methodColors(n: number): string[] {
  return Array.from({ length: n }, (_, i) => METHOD_COLORS[i % METHOD_COLORS.length]);
}

/** Any single layer of a layered spec (the union type vega-lite exports is not needed here). */
export type Layer = Record<string, unknown>;

/** Full-height background rectangles, one per shot band, with a "shot region" legend. */
export function bandLayer(bands: readonly ShotBand[]): Layer {
  return {
    data: { values: bands.map((b) => ({ ...b })) },
    mark: { type: 'rect', opacity: 0.35 },
    encoding: {
      x: { field: 'start', type: 'quantitative' },
      x2: { field: 'end' },
      fill: { field: 'shot', type: 'nominal', scale: SHOT_COLORS, title: 'shot region' },
    },
  };
}

/** Builds the top-level spec (vega-lite's TopLevelSpec union is too narrow to build literally, so it is cast once here). */
export function topLevel(spec: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    background: 'white',
    ...spec,
  } as TopLevelSpec;
}
