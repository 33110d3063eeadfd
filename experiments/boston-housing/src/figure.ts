/** The tutorial's figure: training-label histogram over test error per integer label, one line per method (Vega-Lite → SVG → PNG). */
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { binOf } from './split.js';
import type { RunResult } from './train.js';

export function figureSpec(runs: RunResult[], testLabels: number[], trainLabels: number[]): TopLevelSpec {
  const hist = trainLabels.map((y) => ({ bin: binOf(y) }));
  const errors = new Map<string, { method: string; bin: number; sum: number; n: number }>();
  for (const r of runs) {
    r.testPreds.forEach((p, i) => {
      const bin = binOf(testLabels[i]);
      const key = `${r.method}|${bin}`;
      const e = errors.get(key) ?? { method: r.method, bin, sum: 0, n: 0 };
      e.sum += Math.abs(p - testLabels[i]);
      e.n++;
      errors.set(key, e);
    });
  }
  const perLabel = [...errors.values()].map((e) => ({ method: e.method, bin: e.bin, l1: e.sum / e.n }));
  const x = {
    field: 'bin',
    type: 'quantitative' as const,
    title: 'MEDV ($1000s, integer bin)',
    scale: { domain: [0, 51] },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { font: 'DejaVu Sans' },
    vconcat: [
      {
        title: 'Training labels (imbalanced)',
        width: 520,
        height: 90,
        data: { values: hist },
        mark: { type: 'bar', color: '#999' },
        encoding: { x: { ...x, bin: { step: 1 } }, y: { aggregate: 'count', title: 'train samples' } },
      },
      {
        title: `Test L1 error per label (mean over ${new Set(runs.map((r) => r.seed)).size} seed(s))`,
        width: 520,
        height: 220,
        data: { values: perLabel },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'l1', type: 'quantitative', title: 'mean |error|' },
          color: { field: 'method', type: 'nominal' },
        },
      },
    ],
  };
}

export async function renderFigure(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  const view = new View(parse(compile(structuredClone(spec)).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: 2 },
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    })
      .render()
      .asPng();
    return { svg, png };
  } finally {
    view.finalize();
  }
}
