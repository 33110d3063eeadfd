/** Figure (a): the training label histogram with the many / medium / few regions shaded (spec §5.1, §5.2). */
import type { TopLevelSpec } from 'vega-lite';
import type { HistogramEntry } from '../eval-file.js';
import type { LabelAxis } from '../label-axis.js';
import type { ShotBand } from '../shot-bands.js';
import { bandLayer, HEIGHT, topLevel, WIDTH } from './style.js';

export interface HistogramFigure {
  title: string;
  subtitle: string;
  axis: LabelAxis;
  histogram: readonly HistogramEntry[];
  bands: readonly ShotBand[];
  /** y axis title, e.g. "training images" or "training pixels" */
  countTitle: string;
}

export function labelHistogramSpec(f: HistogramFigure): TopLevelSpec {
  const bars = f.histogram.map((h) => ({
    label: h.label,
    start: f.axis.start(h.label),
    end: f.axis.end(h.label),
    count: h.count,
  }));
  return topLevel({
    title: { text: f.title, subtitle: f.subtitle },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      bandLayer(f.bands),
      {
        data: { values: bars },
        mark: { type: 'rect', color: '#3b5b92', stroke: 'white', strokeWidth: 0.3 },
        encoding: {
          x: { field: 'start', type: 'quantitative', title: f.axis.title, scale: { nice: false, zero: false } },
          x2: { field: 'end' },
          y: { field: 'count', type: 'quantitative', title: f.countTitle },
          tooltip: [
            { field: 'label', type: 'quantitative' },
            { field: 'count', type: 'quantitative' },
          ],
        },
      },
    ],
  });
}
