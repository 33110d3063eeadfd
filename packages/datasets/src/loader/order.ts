/** Epoch order of the samples: file order, or a seeded permutation per epoch. */
import { permutation, rngFor } from '../rng.js';

export function epochOrder(size: number, shuffle: boolean, seed: number, epoch: number): number[] {
  return shuffle ? permutation(size, rngFor(seed, 'shuffle', epoch)) : Array.from({ length: size }, (_, i) => i);
}

/** Default sample look-ahead: the current batch plus `prefetch` more. */
export function lookahead(batchSize: number, prefetch: number): number {
  return Math.max(1, batchSize * (prefetch + 1));
}
