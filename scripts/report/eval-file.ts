/** Reads and validates `runs/<name>/eval/<split>.json` (written by `pnpm run eval`; metrics per spec §5.1 / §5.2). */
import fs from 'node:fs/promises';
import {
  DATASETS,
  type Dataset,
  familyOf,
  isDataset,
  type MetricName,
  metricNames,
  SHOT_KEYS,
  type ShotKey,
} from './datasets.js';
import { ReportError } from './errors.js';
import {
  asArray,
  asInteger,
  asNumber,
  asNumberMatrix,
  asNumberOrNull,
  asObject,
  asString,
  join,
  type Obj,
  required,
} from './fields.js';

export type Shot = 'many' | 'medium' | 'few';
const SHOTS: readonly Shot[] = ['many', 'medium', 'few'];

/** One region's metrics: `n` and the family's metrics (null when the region is empty). */
export interface RegionMetrics {
  n: number;
  values: Partial<Record<MetricName, number | null>>;
}

export interface PerLabelEntry {
  label: number;
  n: number;
  trainCount: number;
  shot: Shot;
  mse: number | null;
  mae: number | null;
  meanPred: number | null;
}

export interface HistogramEntry {
  label: number;
  count: number;
}

export interface EvalResult {
  file: string;
  dataset: Dataset;
  split: string;
  backend: string | null;
  epoch: number | null;
  metrics: Record<ShotKey, RegionMetrics>;
  perLabel?: PerLabelEntry[];
  trainHistogram?: HistogramEntry[];
  /** synthetic-1d / -2d test predictions, as written ([N, d] matrices) */
  predictions?: { x: number[][]; y: number[][]; pred: number[][] };
  /** synthetic-1d / -2d fitted Linear layer: y = x·W + b with W [in, out] */
  linear?: { weight: number[][]; bias: number[] };
}

/** Whether an optional field is given (absent and null both mean "not given"). */
function present(obj: Obj, key: string): boolean {
  return obj[key] !== undefined && obj[key] !== null;
}

function parseRegion(file: string, path: string, v: unknown, names: readonly MetricName[]): RegionMetrics {
  const o = asObject(file, path, v);
  const n = asInteger(file, join(path, 'n'), required(file, o, path, 'n'));
  const values: RegionMetrics['values'] = {};
  for (const m of names) values[m] = asNumberOrNull(file, join(path, m), required(file, o, path, m));
  return { n, values };
}

function parsePerLabel(file: string, v: unknown): PerLabelEntry[] {
  return asArray(file, 'perLabel', v).map((item, i) => {
    const p = join('perLabel', i);
    const o = asObject(file, p, item);
    const shot = required(file, o, p, 'shot');
    if (!SHOTS.includes(shot as Shot)) {
      throw new ReportError(`${file}: field "${p}.shot" is ${JSON.stringify(shot)}; expected many, medium or few`);
    }
    return {
      label: asNumber(file, `${p}.label`, required(file, o, p, 'label')),
      n: asInteger(file, `${p}.n`, required(file, o, p, 'n')),
      trainCount: asNumber(file, `${p}.trainCount`, required(file, o, p, 'trainCount')),
      shot: shot as Shot,
      mse: asNumberOrNull(file, `${p}.mse`, required(file, o, p, 'mse')),
      mae: asNumberOrNull(file, `${p}.mae`, required(file, o, p, 'mae')),
      meanPred: asNumberOrNull(file, `${p}.meanPred`, o.meanPred ?? null),
    };
  });
}

function parseHistogram(file: string, v: unknown): HistogramEntry[] {
  return asArray(file, 'trainHistogram', v).map((item, i) => {
    const p = join('trainHistogram', i);
    const o = asObject(file, p, item);
    return {
      label: asNumber(file, `${p}.label`, required(file, o, p, 'label')),
      count: asNumber(file, `${p}.count`, required(file, o, p, 'count')),
    };
  });
}

/** Validates a parsed eval JSON; `file` is used in error messages. */
export function parseEvalResult(file: string, doc: unknown): EvalResult {
  const top = asObject(file, '', doc);
  const dataset = required(file, top, '', 'dataset');
  if (!isDataset(dataset)) {
    throw new ReportError(
      `${file}: field "dataset" is ${JSON.stringify(dataset)}; expected one of ${DATASETS.join(', ')}`,
    );
  }
  const names = metricNames(familyOf(dataset));
  const m = asObject(file, 'metrics', required(file, top, '', 'metrics'));
  const metrics = Object.fromEntries(
    SHOT_KEYS.map((k) => [k, parseRegion(file, join('metrics', k), required(file, m, 'metrics', k), names)]),
  ) as Record<ShotKey, RegionMetrics>;
  const result: EvalResult = {
    file,
    dataset,
    split: typeof top.split === 'string' ? top.split : 'test',
    backend: !present(top, 'backend') ? null : asString(file, 'backend', top.backend),
    epoch: !present(top, 'epoch') ? null : asInteger(file, 'epoch', top.epoch),
    metrics,
  };
  if (present(top, 'perLabel')) result.perLabel = parsePerLabel(file, top.perLabel);
  if (present(top, 'trainHistogram')) result.trainHistogram = parseHistogram(file, top.trainHistogram);
  if (present(top, 'predictions')) {
    const o = asObject(file, 'predictions', top.predictions);
    const mat = (k: string) => asNumberMatrix(file, `predictions.${k}`, required(file, o, 'predictions', k));
    result.predictions = { x: mat('x'), y: mat('y'), pred: mat('pred') };
  }
  if (present(top, 'linear')) {
    const o = asObject(file, 'linear', top.linear);
    const weight = asNumberMatrix(file, 'linear.weight', required(file, o, 'linear', 'weight'));
    const bias = asArray(file, 'linear.bias', required(file, o, 'linear', 'bias')).map((b, i) =>
      asNumber(file, join('linear.bias', i), b),
    );
    result.linear = { weight, bias };
  }
  return result;
}

export async function readEvalResult(file: string): Promise<EvalResult> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new ReportError(`${file}: cannot read the eval result (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${file}: malformed JSON: ${(e as Error).message}`);
  }
  return parseEvalResult(file, doc);
}
