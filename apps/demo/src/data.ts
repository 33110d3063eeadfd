/**
 * The training and test sets of the demo: the paper's synthetic benchmark (spec §2.5) with the
 * official demo's piecewise-uniform label density (§2.6): five label bins [0,2) … [8,10) whose
 * relative frequencies the sliders set; x = y − ε with ε ~ N(0, σ²I), σ = 1 for training; test
 * labels uniform on [0,10] with x = y (the balanced test set).
 */
import seedrandom from 'seedrandom';

export const BIN_EDGES = [0, 2, 4, 6, 8, 10] as const;
export const NUM_BINS = 5;
/** the official demo's defaults, [0,2) first: each bin 8× rarer than the one before it (×0.512 for [2,4)) */
export const DEFAULT_PERCENTAGES = [100, 51.2, 6.4, 0.8, 0.1];
export const NOISE_SIGMA = 1;

export interface Sample {
  /** [n][dims] */
  x: number[][];
  y: number[][];
}

/** The bin of a label in [0, 10]: 0..4 (10 falls in the last bin). */
export const binOfLabel = (y: number): number => Math.min(NUM_BINS - 1, Math.max(0, Math.floor(y / 2)));

/** Bin probabilities from the sliders' percentages (any non-negative numbers, not all 0). */
export function binProbabilities(percentages: number[]): number[] {
  if (percentages.length !== NUM_BINS || percentages.some((p) => !Number.isFinite(p) || p < 0)) {
    throw new Error(`need ${NUM_BINS} non-negative percentages, got [${percentages.join(', ')}]`);
  }
  const total = percentages.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new Error('at least one label bin needs a percentage above 0');
  return percentages.map((p) => p / total);
}

/** Standard normal draws by Box–Muller from a uniform source. */
function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function drawLabel(probs: number[], rng: () => number): number {
  let u = rng();
  let bin = 0;
  while (bin < NUM_BINS - 1 && u >= probs[bin]) {
    u -= probs[bin];
    bin++;
  }
  return BIN_EDGES[bin] + 2 * rng();
}

/** n training samples: every label coordinate from the sliders' density, x = y − ε. */
export function trainingSet(percentages: number[], n: number, seed: number, dims = 1): Sample {
  const probs = binProbabilities(percentages);
  const rng = seedrandom(`train-${seed}`);
  const y = Array.from({ length: n }, () => Array.from({ length: dims }, () => drawLabel(probs, rng)));
  const x = y.map((row) => row.map((v) => v - NOISE_SIGMA * gaussian(rng)));
  return { x, y };
}

/** The balanced test set: labels uniform on [0, 10] per coordinate, x = y. */
export function testSet(n: number, seed: number, dims = 1): Sample {
  const rng = seedrandom(`test-${seed}`);
  const y = Array.from({ length: n }, () => Array.from({ length: dims }, () => 10 * rng()));
  return { x: y.map((r) => [...r]), y };
}

/** Training samples per label bin (1-D: the label; 2-D: the first coordinate). */
export function binCountsOf(y: number[][]): number[] {
  const counts = new Array<number>(NUM_BINS).fill(0);
  for (const row of y) counts[binOfLabel(row[0])]++;
  return counts;
}
