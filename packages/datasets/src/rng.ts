/** Seeded random numbers (seedrandom's alea): every draw is keyed by (seed, purpose, epoch, index), never by call order. */
import seedrandom from 'seedrandom';

/** Uniform in [0, 1). */
export type Rng = () => number;

/** A generator for one purpose, e.g. `rngFor(seed, 'augment', epoch, index)`: independent of parallelism. */
export function rngFor(seed: number, ...keys: (string | number)[]): Rng {
  return seedrandom.alea(`${seed}|${keys.join('|')}`) as Rng;
}

/** Uniform integer in [lo, hi] (both inclusive). */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Uniform in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Standard normal (Box–Muller). */
export function normal(rng: Rng, mean = 0, std = 1): number {
  let u = rng();
  while (u <= 0) u = rng();
  const v = rng();
  return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Exponential with the given rate. */
export function exponential(rng: Rng, rate: number): number {
  let u = rng();
  while (u <= 0) u = rng();
  return -Math.log(u) / rate;
}

/** In-place Fisher–Yates shuffle. */
export function shuffleInPlace<T>(arr: T[], rng: Rng): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}

/** A seeded permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): number[] {
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
}

/** k distinct indices from 0..n-1, uniformly without replacement (partial Fisher–Yates on a sparse map). */
export function sampleWithoutReplacement(n: number, k: number, rng: Rng): number[] {
  if (k > n) throw new RangeError(`cannot pick ${k} of ${n}`);
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const vi = swapped.get(i) ?? i;
    const vj = swapped.get(j) ?? j;
    swapped.set(j, vi);
    out.push(vj);
  }
  return out;
}
