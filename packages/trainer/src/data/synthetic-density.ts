/** The true training-label density of the synthetic linear benchmarks (spec §1.6 ReweightL2, §2.5). */
import type { RunConfig } from '../config/schema.js';

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** p_train(y) up to a constant: 1-D Normal(5, param) or Exponential(param) on [0, 10]; 2-D MVN(0, [[1,.5],[.5,1]]) or −5 + Exponential(param) per axis. */
export function linearLabelDensity(c: RunConfig): (y: number[]) => number {
  const { dist, param } = c.data.synthetic;
  if (c.data.dataset === 'synthetic-1d') {
    if (dist === 'normal') return ([y]) => Math.exp(-0.5 * ((y - 5) / param) ** 2) / (param * SQRT_2PI);
    return ([y]) => param * Math.exp(-param * y);
  }
  if (dist === 'normal') {
    // Σ = [[1, .5], [.5, 1]], Σ⁻¹ = (1/0.75)·[[1, −.5], [−.5, 1]]
    return ([a, b]) => Math.exp(-0.5 * ((a * a - a * b + b * b) / 0.75)) / (2 * Math.PI * Math.sqrt(0.75));
  }
  // per axis −5 + Exp(rate), trimmed to [−5, 5]
  return ([a, b]) => param * param * Math.exp(-param * (a + 5 + (b + 5)));
}
