/**
 * Evaluation of a network on a split with the DIR protocol (spec §5): age-like sets → MSE, MAE,
 * GM, bMSE, bMAE overall and per shot (shots from the training label counts); depth → RMSE, MAE,
 * AbsRel, log10, δ1–δ3 over the balanced-mask pixels after upsampling the 114×152 output to the
 * crop with align_corners (spec §5.2), per the hard-coded NYUD2 shot bins. Also per-label errors
 * and the training histogram for the report's figures.
 */
import { tf } from '@bmse/backend';
import { NYUD2_TRAIN_BUCKET_COUNTS } from '@bmse/datasets';
import {
  type AgeMetrics,
  ageMetrics,
  type DepthMetrics,
  DepthMetricsAccumulator,
  NYUD2_SHOT_BINS,
  nyud2DepthBin,
  type Shot,
  shotRegions,
} from '@bmse/metrics';
import { type BmseNet, resizeBilinearTorch } from '@bmse/models';
import type { RunConfig } from '../config/schema.js';
import type { EvalSplit, TaskData } from '../data/task-data.js';

export interface PerLabel {
  label: number;
  n: number;
  trainCount: number;
  shot: Shot;
  mse: number;
  mae: number;
  meanPred: number;
}

export interface Evaluation {
  metrics: AgeMetrics | DepthMetrics;
  perLabel: PerLabel[];
  trainHistogram: { label: number; count: number }[];
  /** synthetic linear sets: inputs, targets and predictions */
  predictions?: { x: number[][]; y: number[][]; pred: number[][] };
}

/** 2-D synthetic labels → an integer cell key (1×1 cells of y), so shots come from training counts per cell. */
const cellKey = (y: ArrayLike<number>) => (Math.floor(y[0]) + 50) * 100 + (Math.floor(y[1]) + 50);

/** One number per evaluated sample and its label key. */
async function predictAll(net: BmseNet, data: TaskData, split: EvalSplit) {
  const xs: number[][] = [];
  const ys: number[][] = [];
  const preds: number[][] = [];
  for await (const b of data.eval(split)) {
    const p = net.predict(b.x);
    // asynchronous reads: the webgpu backend cannot read GPU memory synchronously in Node
    const [pv, yv, xv] = await Promise.all([p.data(), b.y.data(), data.family === 'linear' ? b.x.data() : null]);
    const d = data.outputs;
    for (let i = 0; i < b.n; i++) {
      preds.push(Array.from(pv.subarray(i * d, (i + 1) * d)));
      ys.push(Array.from(yv.subarray(i * d, (i + 1) * d)));
      if (xv) xs.push(Array.from(xv.subarray(i * d, (i + 1) * d)));
    }
    tf.dispose([p, b.x, b.y, b.mask as tf.Tensor]);
  }
  return { xs, ys, preds };
}

function perLabelOf(
  keys: number[],
  se: number[],
  ae: number[],
  preds: number[],
  regions: ReturnType<typeof shotRegions>,
): PerLabel[] {
  const by = new Map<number, { n: number; se: number; ae: number; p: number }>();
  keys.forEach((k, i) => {
    const a = by.get(k) ?? { n: 0, se: 0, ae: 0, p: 0 };
    a.n++;
    a.se += se[i];
    a.ae += ae[i];
    a.p += preds[i];
    by.set(k, a);
  });
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([label, a]) => ({
      label,
      n: a.n,
      trainCount: regions.count(label),
      shot: regions(label),
      mse: a.se / a.n,
      mae: a.ae / a.n,
      meanPred: a.p / a.n,
    }));
}

function histogram(keys: number[]): { label: number; count: number }[] {
  const m = new Map<number, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([label, count]) => ({ label, count }));
}

async function evaluateLabels(net: BmseNet, data: TaskData, split: EvalSplit, c: RunConfig): Promise<Evaluation> {
  const { xs, ys, preds } = await predictAll(net, data, split);
  const thresholds = { many: c.shots.many, few: c.shots.few };
  const twoD = data.outputs > 1;
  // 1-D: the label itself (integer bins); 2-D: per-sample RMS error over the d outputs, binned by cell
  const trainKeys = twoD ? data.trainTargets.map(cellKey) : data.trainLabels;
  const regions = shotRegions(trainKeys, thresholds);
  const keys = twoD ? ys.map(cellKey) : ys.map((y) => y[0]);
  const err = preds.map((p, i) =>
    twoD ? Math.sqrt(p.reduce((a, v, k) => a + (v - ys[i][k]) ** 2, 0) / p.length) : p[0] - ys[i][0],
  );
  const metrics = ageMetrics(
    keys.map((k, i) => k + err[i]),
    keys,
    regions,
  );
  const binned = keys.map((k) => regions.bin(k));
  const perLabel = perLabelOf(
    binned,
    err.map((e) => e * e),
    err.map(Math.abs),
    preds.map((p) => p[0]),
    regions,
  );
  const out: Evaluation = { metrics, perLabel, trainHistogram: histogram(trainKeys.map((k) => regions.bin(k))) };
  if (data.family === 'linear') out.predictions = { x: xs, y: ys, pred: preds };
  return out;
}

async function evaluateDepth(net: BmseNet, data: TaskData, split: EvalSplit, c: RunConfig): Promise<Evaluation> {
  const acc = new DepthMetricsAccumulator();
  const bins = new Map<number, { n: number; se: number; ae: number; p: number }>();
  for await (const b of data.eval(split)) {
    const up = tf.tidy(() =>
      resizeBilinearTorch(net.predict(b.x) as tf.Tensor4D, [c.data.crop[0], c.data.crop[1]], true),
    );
    const [p, y, m] = await Promise.all([up.data(), b.y.data(), b.mask ? b.mask.data() : undefined]);
    acc.add(p, y, m);
    for (let i = 0; i < y.length; i++) {
      if (m && !m[i]) continue;
      const bin = nyud2DepthBin(y[i]);
      const a = bins.get(bin) ?? { n: 0, se: 0, ae: 0, p: 0 };
      const e = p[i] - y[i];
      a.n++;
      a.se += e * e;
      a.ae += Math.abs(e);
      a.p += p[i];
      bins.set(bin, a);
    }
    tf.dispose([up, b.x, b.y, b.mask as tf.Tensor]);
  }
  const shotOf = (bin: number): Shot =>
    NYUD2_SHOT_BINS.many.includes(bin) ? 'many' : NYUD2_SHOT_BINS.medium.includes(bin) ? 'medium' : 'few';
  const perLabel = [...bins.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([label, a]) => ({
      label,
      n: a.n,
      trainCount: NYUD2_TRAIN_BUCKET_COUNTS[label] ?? 0,
      shot: shotOf(label),
      mse: a.se / a.n,
      mae: a.ae / a.n,
      meanPred: a.p / a.n,
    }));
  const trainHistogram = NYUD2_TRAIN_BUCKET_COUNTS.map((count, label) => ({ label, count }));
  return { metrics: acc.result(), perLabel, trainHistogram };
}

export function evaluate(net: BmseNet, data: TaskData, split: EvalSplit, c: RunConfig): Promise<Evaluation> {
  return data.family === 'depth' ? evaluateDepth(net, data, split, c) : evaluateLabels(net, data, split, c);
}

/** The number a run selects its best checkpoint on (lower is better). */
export function selectionValue(metrics: AgeMetrics | DepthMetrics, metric: string): number {
  const v = (metrics.all as unknown as Record<string, number | null>)[metric];
  return v == null ? Number.POSITIVE_INFINITY : v;
}
