/**
 * The synthetic linear-regression benchmark of the official repo (`synthetic_benchmark/main_1d.py`,
 * `main_2d.py`; spec §2.5). Seeded with seedrandom instead of NumPy/PyTorch, so values differ from the
 * official run but the distributions are the same.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { exponential, normal, rngFor, uniform } from '../rng.js';

export interface LinearSplit {
  /** [n][d] inputs */
  x: number[][];
  /** [n][d] targets */
  y: number[][];
}

export interface SyntheticLinear {
  dims: 1 | 2;
  train: LinearSplit;
  val: LinearSplit;
  test: LinearSplit;
  /** the true map y ↦ x (1-D: K = 1, B = 0) */
  A: number[][];
}

export interface Synthetic1dOptions {
  seed: number;
  /** training label distribution (default 'normal') */
  dist?: 'normal' | 'exponential';
  /** normal: σ (0.5 / 0.75 / 1.0 = high / medium / low imbalance, default 0.5); exponential: rate (2 / 1.5 / 1.0, default 2) */
  param?: number;
  nTrain?: number;
  nVal?: number;
  nTest?: number;
}

/** Draws 2N, keeps those inside [lo, hi], takes the first N (drawing more if needed). */
function trimmed(n: number, draw: () => number, lo: number, hi: number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const batch = Array.from({ length: 2 * n }, draw).filter((v) => v >= lo && v <= hi);
    out.push(...batch.slice(0, n - out.length));
  }
  return out;
}

/** 1-D: y ∈ [0, 10], x = y − ε, ε ~ N(0, 1); val/test y ~ U(0, 10), x = y. */
export function makeSynthetic1d(opts: Synthetic1dOptions): SyntheticLinear {
  const { seed, dist = 'normal', nTrain = 1024, nVal = 1024, nTest = 1024 } = opts;
  const param = opts.param ?? (dist === 'normal' ? 0.5 : 2);
  const rng = rngFor(seed, 'synthetic-1d', 'train');
  const draw = dist === 'normal' ? () => normal(rng, 5, param) : () => exponential(rng, param);
  const y = trimmed(nTrain, draw, 0, 10);
  const train = { x: y.map((v) => [v - normal(rng)]), y: y.map((v) => [v]) };
  const uniformSplit = (name: string, n: number): LinearSplit => {
    const r = rngFor(seed, 'synthetic-1d', name);
    const ys = Array.from({ length: n }, () => uniform(r, 0, 10));
    return { x: ys.map((v) => [v]), y: ys.map((v) => [v]) };
  };
  return { dims: 1, train, val: uniformSplit('val', nVal), test: uniformSplit('test', nTest), A: [[1]] };
}

export interface Synthetic2dOptions {
  seed: number;
  /** 'normal' (official: MVN(0, [[1, .5], [.5, 1]]), untrimmed) or 'exponential' (per axis −5 + Exp(rate), trimmed to [−5, 5]) */
  dist?: 'normal' | 'exponential';
  rate?: number;
  nTrain?: number;
  nVal?: number;
  nTest?: number;
}

const matVec = (A: number[][], v: number[]) => A.map((row) => row[0] * v[0] + row[1] * v[1]);

/** 2-D: x = A·(y − ε), ε ~ N(0, I), A = randn(2, 2)·0.01; val/test y ~ U([−5, 5]²), x = A·y. */
export function makeSynthetic2d(opts: Synthetic2dOptions): SyntheticLinear {
  const { seed, dist = 'normal', rate = 1, nTrain = 1024, nVal = 256, nTest = 256 } = opts;
  const ra = rngFor(seed, 'synthetic-2d', 'A');
  const A = [
    [normal(ra) * 0.01, normal(ra) * 0.01],
    [normal(ra) * 0.01, normal(ra) * 0.01],
  ];
  const rng = rngFor(seed, 'synthetic-2d', 'train');
  const ys: number[][] = [];
  if (dist === 'normal') {
    // Cholesky factor of [[1, .5], [.5, 1]]
    const l = Math.sqrt(0.75);
    for (let i = 0; i < nTrain; i++) {
      const z0 = normal(rng);
      const z1 = normal(rng);
      ys.push([z0, 0.5 * z0 + l * z1]);
    }
  } else {
    const a = trimmed(nTrain, () => exponential(rng, rate) - 5, -5, 5);
    const b = trimmed(nTrain, () => exponential(rng, rate) - 5, -5, 5);
    for (let i = 0; i < nTrain; i++) ys.push([a[i], b[i]]);
  }
  const train = { x: ys.map((y) => matVec(A, [y[0] - normal(rng), y[1] - normal(rng)])), y: ys };
  const uniformSplit = (name: string, n: number): LinearSplit => {
    const r = rngFor(seed, 'synthetic-2d', name);
    const yy = Array.from({ length: n }, () => [uniform(r, -5, 5), uniform(r, -5, 5)]);
    return { x: yy.map((y) => matVec(A, y)), y: yy };
  };
  return { dims: 2, train, val: uniformSplit('val', nVal), test: uniformSplit('test', nTest), A };
}

/** Writes `train.csv`, `val.csv`, `test.csv` (columns x0[,x1],y0[,y1]) and `meta.json` (A, dims). */
export async function writeSyntheticLinear(
  dir: string,
  data: SyntheticLinear,
  meta: Record<string, unknown> = {},
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const d = data.dims;
  const columns = [...Array.from({ length: d }, (_, i) => `x${i}`), ...Array.from({ length: d }, (_, i) => `y${i}`)];
  for (const split of ['train', 'val', 'test'] as const) {
    const s = data[split];
    const rows = s.x.map((x, i) => [...x, ...s.y[i]].map((v) => String(v)));
    await fs.writeFile(path.join(dir, `${split}.csv`), stringify(rows, { header: true, columns }));
  }
  await fs.writeFile(path.join(dir, 'meta.json'), `${JSON.stringify({ ...meta, dims: d, A: data.A }, null, 2)}\n`);
}
