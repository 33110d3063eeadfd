import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuns } from './load-runs.js';
import { planPlots, writePlots } from './plots.js';
import { ageRegion, depthRegion, tempDir, writeRun } from './test-fixtures.js';
import { PNG_SCALE, renderSvg } from './vega-render.js';

const region = ageRegion(10, { mse: 1, mae: 1, gm: 1, bmse: 1, bmae: 1 });
const ageMetrics = { all: region, many: region, medium: region, few: region };

/** Synthetic 1-D labels 0..10: most training samples near 5 (spec §2.5). */
const HIST = [0, 0, 2, 15, 60, 150, 120, 40, 10, 1, 0].map((count, label) => ({ label, count }));
const shotOf = (count: number) => (count > 100 ? 'many' : count < 20 ? 'few' : 'medium');

function synthetic1d(k: number, b: number, errScale: number) {
  const xs = Array.from({ length: 41 }, (_, i) => i / 4);
  return {
    trainHistogram: HIST,
    perLabel: HIST.map((h) => ({
      label: h.label,
      n: 4,
      trainCount: h.count,
      shot: shotOf(h.count),
      mse: (errScale * Math.abs(h.label - 5)) ** 2,
      mae: errScale * Math.abs(h.label - 5),
      meanPred: h.label,
    })),
    predictions: { x: xs.map((x) => [x]), y: xs.map((x) => [x]), pred: xs.map((x) => [k * x + b]) },
    linear: { weight: [[k]], bias: [b] },
  };
}

let runs: string;
let out: string;

beforeAll(async () => {
  runs = await tempDir();
  out = await tempDir();
  await writeRun(runs, {
    name: 's1d-mse-0',
    row: 'Vanilla',
    seed: 0,
    dataset: 'synthetic-1d',
    metrics: ageMetrics,
    extra: synthetic1d(0.5, 2.5, 0.5),
  });
  await writeRun(runs, {
    name: 's1d-mse-1',
    row: 'Vanilla',
    seed: 1,
    dataset: 'synthetic-1d',
    metrics: ageMetrics,
    extra: synthetic1d(0.6, 2, 0.7),
  });
  await writeRun(runs, {
    name: 's1d-bmc-0',
    row: 'Balanced MSE (BMC)',
    seed: 0,
    dataset: 'synthetic-1d',
    metrics: ageMetrics,
    extra: synthetic1d(0.95, 0.2, 0.1),
  });
  await writeRun(runs, {
    name: 's1d-gai-5',
    row: 'Balanced MSE (GAI)',
    seed: 5,
    dataset: 'synthetic-1d',
    metrics: ageMetrics,
    extra: synthetic1d(0.9, 0.4, 0.2),
  });
  const bins = Array.from({ length: 100 }, (_, b) => b);
  const depthCount = (b: number) => (b < 7 ? 0 : Math.round(1e7 * Math.exp(-((b - 25) ** 2) / 200)));
  await writeRun(runs, {
    name: 'depth-vanilla',
    row: 'Vanilla',
    seed: 0,
    dataset: 'synthetic-depth',
    metrics: {
      all: depthRegion(100, 1, 0.7),
      many: depthRegion(50, 0.8, 0.8),
      medium: depthRegion(30, 1, 0.7),
      few: depthRegion(20, 1.5, 0.5),
    },
    extra: {
      trainHistogram: bins.map((b) => ({ label: b, count: depthCount(b) })),
      perLabel: bins
        .filter((b) => b >= 7)
        .map((b) => ({
          label: b,
          n: 100,
          trainCount: depthCount(b),
          shot: b < 46 ? 'many' : b < 64 ? 'medium' : 'few',
          mse: (b / 50) ** 2,
          mae: b / 60,
          meanPred: b / 10,
        })),
    },
  });
  // an age run without perLabel / trainHistogram: tables-only, the plots note it
  await writeRun(runs, { name: 'age-bare', row: 'Vanilla', seed: 0, dataset: 'synthetic-age', metrics: ageMetrics });
});

afterAll(async () => {
  await fs.rm(runs, { recursive: true, force: true });
  await fs.rm(out, { recursive: true, force: true });
});

const lineMarks = (svg: string) => (svg.match(/aria-roledescription="line mark"/g) ?? []).length;

function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]* width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg)!;
  return { width: Number(m[1]), height: Number(m[2]) };
}

describe('plots', () => {
  it('plans the figures per dataset and notes what cannot be drawn', async () => {
    const plan = planPlots(await loadRuns(runs));
    expect(plan.figures.map((f) => f.name)).toEqual([
      'synthetic-1d-label-histogram',
      'synthetic-1d-per-label-error',
      'synthetic-1d-fits',
      'synthetic-depth-label-histogram',
      'synthetic-depth-per-label-error',
    ]);
    expect(plan.notes).toEqual(['synthetic-age: no run has a "trainHistogram" in eval/test.json; no figures']);
  });

  it('draws one line per method (mean over seeds) over the shot bands', async () => {
    const plan = planPlots(await loadRuns(runs));
    const fig = plan.figures.find((f) => f.name === 'synthetic-1d-per-label-error')!;
    const svg = await renderSvg(fig.spec);
    expect(lineMarks(svg)).toBe(3); // Vanilla (2 seeds), BMC, GAI
    const layer = (fig.spec as { layer: { data: { values: Record<string, unknown>[] } }[] }).layer;
    // bands from the perLabel shots (train counts 0 0 2 15 | 60 | 150 120 | 40 | 10 1 0), labels ± 0.5
    expect(layer[0].data.values).toEqual([
      { shot: 'few', start: -0.5, end: 3.5 },
      { shot: 'medium', start: 3.5, end: 4.5 },
      { shot: 'many', start: 4.5, end: 6.5 },
      { shot: 'medium', start: 6.5, end: 7.5 },
      { shot: 'few', start: 7.5, end: 10.5 },
    ]);
    // Vanilla at label 0: mean of 0.5·5 and 0.7·5 = 3
    const v0 = layer[1].data.values.find((p) => p.row === 'Vanilla' && p.x === 0)!;
    expect(v0.value).toBeCloseTo(3, 12);
    expect(v0.seeds).toBe(2);
    // legend order is the paper's: Vanilla, GAI, BMC
    expect(svg.indexOf('Balanced MSE (GAI)')).toBeLessThan(svg.indexOf('Balanced MSE (BMC)'));
  });

  it('draws the synthetic-1d figure: fitted lines + oracle, and one density per method', async () => {
    const plan = planPlots(await loadRuns(runs));
    const fig = plan.figures.find((f) => f.name === 'synthetic-1d-fits')!;
    const svg = await renderSvg(fig.spec);
    // left: 3 fitted lines + the oracle; right: 3 prediction densities
    expect(lineMarks(svg)).toBe(3 + 1 + 3);
    expect(svg).toContain('Oracle (y = x)');
    const left = (fig.spec as { hconcat: { data: { values: { row: string; x: number; y: number }[] } }[] }).hconcat[0];
    // lowest seed of Vanilla: k = 0.5, b = 2.5 → y(10) = 7.5
    expect(left.data.values.find((p) => p.row === 'Vanilla' && p.x === 10)!.y).toBe(7.5);
  });

  it('writes .vl.json, .svg and .png; the PNG has its signature and twice the SVG size', async () => {
    const res = await writePlots({ runs, out });
    expect(res.files).toHaveLength(5 * 3);
    const png = await fs.readFile(path.join(out, 'synthetic-depth-per-label-error.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svg = await fs.readFile(path.join(out, 'synthetic-depth-per-label-error.svg'), 'utf8');
    const s = svgSize(svg);
    expect(s.width).toBeGreaterThan(560);
    expect(pngSize(png)).toEqual({ width: Math.ceil(s.width * PNG_SCALE), height: Math.ceil(s.height * PNG_SCALE) });
    expect(lineMarks(svg)).toBe(1);
    const spec = JSON.parse(await fs.readFile(path.join(out, 'synthetic-depth-label-histogram.vl.json'), 'utf8'));
    expect(spec.layer[1].encoding.x.title).toBe('depth (m), 0.1 m bins');
  });
});

describe('plots with the ablation rows (issue #16 §2)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    const rows: [string, number][] = [
      ['Vanilla', 0.5],
      ['Balanced MSE (BMC)', 0.2],
      ['MSE (end to end)', 0.3],
      ['Balanced MSE (BMC), end to end', 0.1],
      ['Balanced MSE (BMC), σ₀ = 3', 0.15],
    ];
    for (const [i, [row, err]] of rows.entries()) {
      await writeRun(dir, {
        name: `s1d-${i}`,
        row,
        seed: 0,
        dataset: 'synthetic-1d',
        metrics: ageMetrics,
        extra: synthetic1d(1 - err, err, err),
      });
    }
  });
  afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

  it('the main per-label figure keeps the paper rows; a second one shows the end-to-end rows beside their references', async () => {
    const plan = planPlots(await loadRuns(dir));
    expect(plan.figures.map((f) => f.name)).toEqual([
      'synthetic-1d-label-histogram',
      'synthetic-1d-per-label-error',
      'synthetic-1d-end-to-end-per-label-error',
      'synthetic-1d-fits',
    ]);
    const rowsOf = (name: string) => {
      const fig = plan.figures.find((f) => f.name === name)!;
      const layer = (fig.spec as { layer: { data: { values: { row: string }[] } }[] }).layer;
      return [...new Set(layer[1].data.values.map((p) => p.row))];
    };
    expect(rowsOf('synthetic-1d-per-label-error')).toEqual(['Vanilla', 'Balanced MSE (BMC)']);
    // σ sweep rows are in the tables only
    expect(rowsOf('synthetic-1d-end-to-end-per-label-error')).toEqual([
      'Vanilla',
      'Balanced MSE (BMC)',
      'MSE (end to end)',
      'Balanced MSE (BMC), end to end',
    ]);
    const svg = await renderSvg(plan.figures[2].spec);
    expect(lineMarks(svg)).toBe(4);
  });
});
