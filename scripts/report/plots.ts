/** `pnpm run plots`: per dataset, (a) the training label histogram and (b) per-label errors by method; (c) the synthetic-1d figure. */
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { groupRuns, type RowGroup } from './aggregate.js';
import { DATASET_TITLES, type Dataset, familyOf } from './datasets.js';
import type { EvalResult, HistogramEntry, PerLabelEntry } from './eval-file.js';
import { labelHistogramSpec } from './figures/label-histogram.js';
import { type ErrorPoint, perLabelErrorSpec } from './figures/per-label-error.js';
import { type FittedMethod, synthetic1dSpec } from './figures/synthetic-1d.js';
import { type LabelAxis, labelAxis } from './label-axis.js';
import { type LoadedRuns, loadRuns, type Run } from './load-runs.js';
import { END_TO_END_FIGURE_ROWS, isAblationRow, rowKey } from './row-order.js';
import { labelShots, type ShotBand, shotBands } from './shot-bands.js';
import { mean } from './stats.js';
import { writeFigure } from './vega-render.js';

export interface FigureJob {
  name: string;
  spec: TopLevelSpec;
}

export interface PlotPlan {
  figures: FigureJob[];
  /** why a figure was not drawn */
  notes: string[];
}

/** Per-label error of one run: MAE for age-like sets, RMSE = √MSE per depth bin. */
function labelError(dataset: Dataset, p: PerLabelEntry): number | null {
  if (familyOf(dataset) === 'depth') return p.mse === null ? null : Math.sqrt(p.mse);
  return p.mae;
}

/** One line per row: the per-label error averaged over the row's seeds (labels a seed lacks are left out of its mean). */
export function errorPoints(dataset: Dataset, groups: readonly RowGroup[], axis: LabelAxis): ErrorPoint[] {
  return groups.flatMap((g) => {
    const byLabel = new Map<number, number[]>();
    for (const run of g.runs) {
      for (const p of run.eval.perLabel ?? []) {
        const v = labelError(dataset, p);
        if (v !== null) byLabel.set(p.label, [...(byLabel.get(p.label) ?? []), v]);
      }
    }
    return [...byLabel.entries()]
      .sort(([a], [b]) => a - b)
      .map(([label, vs]) => ({ row: g.row, x: axis.center(label), value: mean(vs), seeds: vs.length }));
  });
}

/** The training histogram as density bars (count / (total · bin width)). */
export function densityBars(hist: readonly HistogramEntry[], axis: LabelAxis) {
  const total = hist.reduce((s, h) => s + h.count, 0);
  return hist.map((h) => {
    const start = axis.start(h.label);
    const end = axis.end(h.label);
    return { start, end, density: total > 0 ? h.count / (total * (end - start)) : 0 };
  });
}

/** Lowest-seed run per row with a fitted 1×1 Linear layer and test predictions (spec §2.5). */
function fittedMethods(groups: readonly RowGroup[], notes: string[]): FittedMethod[] {
  const out: FittedMethod[] = [];
  for (const g of groups) {
    const run = g.runs.find((r) => r.eval.linear && r.eval.predictions);
    if (!run) {
      notes.push(
        `synthetic-1d "${g.row}": no run has both "linear" and "predictions" in eval/test.json; left out of the fits figure`,
      );
      continue;
    }
    const { weight, bias } = run.eval.linear!;
    if (weight.length !== 1 || weight[0].length !== 1 || bias.length !== 1) {
      notes.push(
        `${run.eval.file}: "linear.weight" is ${weight.length}×${weight[0]?.length ?? 0}, not 1×1; left out of the fits figure`,
      );
      continue;
    }
    out.push({
      row: g.row,
      seed: run.config.seed,
      k: weight[0][0],
      b: bias[0],
      predictions: run.eval.predictions!.pred.flat(),
    });
  }
  return out;
}

function datasetFigures(dataset: Dataset, runs: readonly Run[], notes: string[]): FigureJob[] {
  const title = DATASET_TITLES[dataset];
  const source = runs.find((r) => r.eval.trainHistogram && r.eval.trainHistogram.length > 0);
  if (!source) {
    notes.push(`${dataset}: no run has a "trainHistogram" in eval/test.json; no figures`);
    return [];
  }
  const ev: EvalResult = source.eval;
  const hist = ev.trainHistogram!;
  const perLabel = ev.perLabel ?? [];
  const axis = labelAxis(dataset, [...hist.map((h) => h.label), ...perLabel.map((p) => p.label)]);
  const bands: ShotBand[] = shotBands(labelShots(dataset, hist, perLabel), axis);
  const depth = familyOf(dataset) === 'depth';
  const figures: FigureJob[] = [
    {
      name: `${dataset}-label-histogram`,
      spec: labelHistogramSpec({
        title: `${title}: training label distribution`,
        subtitle: `trainHistogram of run ${source.config.name}; shaded: many / medium / few-shot regions`,
        axis,
        histogram: hist,
        bands,
        countTitle: depth ? 'training pixels' : 'training samples',
      }),
    },
  ];
  const groups = groupRuns(runs);
  const points = errorPoints(dataset, groups, axis);
  if (points.length === 0) {
    notes.push(`${dataset}: no run has "perLabel" errors in eval/test.json; no per-label error figure`);
  } else {
    const plotted = (keep: (row: string) => boolean) =>
      groups.map((g) => g.row).filter((r) => keep(r) && points.some((p) => p.row === r));
    const perLabel = (name: string, subtitle: string, rows: string[]): FigureJob => ({
      name,
      spec: perLabelErrorSpec({
        title: `${title}: per-label test error`,
        subtitle,
        xTitle: axis.title,
        yTitle: depth ? 'RMSE per depth bin (m)' : 'MAE per label',
        rows,
        points: points.filter((p) => rows.includes(p.row)),
        bands,
      }),
    });
    const paperRows = plotted((r) => !isAblationRow(r));
    const subtitle = 'one line per method, mean over seeds; shaded: many / medium / few-shot regions';
    figures.push(perLabel(`${dataset}-per-label-error`, subtitle, paperRows));
    // the end-to-end ablation (issue #16 §2) beside the rows it answers; the other ablations are in the tables only
    const e2eKeys = new Set(END_TO_END_FIGURE_ROWS.map(rowKey));
    const e2eRows = plotted((r) => e2eKeys.has(rowKey(r)));
    if (e2eRows.some(isAblationRow)) {
      figures.push(perLabel(`${dataset}-end-to-end-per-label-error`, `end to end vs stage 2; ${subtitle}`, e2eRows));
    }
  }
  if (dataset === 'synthetic-1d') {
    const methods = fittedMethods(groups, notes);
    if (methods.length) {
      figures.push({
        name: 'synthetic-1d-fits',
        spec: synthetic1dSpec({
          title: `${title}: fitted regressors and predicted label distributions`,
          subtitle: `lowest seed of each method (${[...new Set(methods.map((m) => `seed ${m.seed}`))].join(', ')})`,
          methods,
          trainBars: densityBars(hist, axis),
        }),
      });
    }
  }
  return figures;
}

/** The figures to draw for the loaded runs, in dataset order. */
export function planPlots(loaded: LoadedRuns): PlotPlan {
  const notes: string[] = [];
  const datasets = [...new Set(groupRuns(loaded.runs).map((g) => g.dataset))];
  const figures = datasets.flatMap((d) =>
    datasetFigures(
      d,
      loaded.runs.filter((r) => r.config.dataset === d),
      notes,
    ),
  );
  return { figures, notes };
}

export interface PlotsResult {
  files: string[];
  notes: string[];
  skipped: LoadedRuns['skipped'];
}

/** Loads the runs, draws every figure and writes .vl.json / .svg / .png into `out`. */
export async function writePlots(opts: { runs: string; out: string }): Promise<PlotsResult> {
  const loaded = await loadRuns(opts.runs);
  const plan = planPlots(loaded);
  const files: string[] = [];
  for (const fig of plan.figures) files.push(...(await writeFigure(path.resolve(opts.out), fig.name, fig.spec)));
  return { files, notes: plan.notes, skipped: loaded.skipped };
}
