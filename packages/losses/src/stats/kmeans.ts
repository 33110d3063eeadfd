/**
 * k-means as scikit-learn's KMeans(n_init=1) runs it before a GaussianMixture: greedy k-means++
 * seeding (2 + ⌊ln k⌋ candidates per centre, keep the one that lowers the potential most), then
 * Lloyd iterations until the centres move less than tol·mean(per-feature variance).
 */

function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const d = a[j] - b[j];
    s += d * d;
  }
  return s;
}

/** Index i with probability weights[i] / Σweights. */
function sampleIndex(weights: Float64Array, total: number, rng: () => number): number {
  const r = rng() * total;
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i];
    if (acc > r) return i;
  }
  // rounding: the last index with positive weight
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return weights.length - 1;
}

export function kmeansPlusPlus(x: number[][], k: number, rng: () => number): number[][] {
  const n = x.length;
  const trials = 2 + Math.floor(Math.log(k));
  const centres: number[][] = [x[Math.floor(rng() * n)].slice()];
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = sqDist(x[i], centres[0]);
  let potential = closest.reduce((a, b) => a + b, 0);
  for (let c = 1; c < k; c++) {
    let best = -1;
    let bestPot = Number.POSITIVE_INFINITY;
    let bestDist: Float64Array | null = null;
    for (let t = 0; t < trials; t++) {
      const cand = potential > 0 ? sampleIndex(closest, potential, rng) : Math.floor(rng() * n);
      const dist = new Float64Array(n);
      let pot = 0;
      for (let i = 0; i < n; i++) {
        dist[i] = Math.min(closest[i], sqDist(x[i], x[cand]));
        pot += dist[i];
      }
      if (pot < bestPot) {
        bestPot = pot;
        best = cand;
        bestDist = dist;
      }
    }
    centres.push(x[best].slice());
    closest.set(bestDist as Float64Array);
    potential = bestPot;
  }
  return centres;
}

/** Lloyd's algorithm from k-means++ seeds; returns the final label of every point. */
export function kmeansLabels(x: number[][], k: number, rng: () => number, maxIter = 300, tol = 1e-4): Int32Array {
  const n = x.length;
  const d = x[0].length;
  // scikit-learn scales tol by the mean per-feature variance of the data
  let meanVar = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[i][j];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i][j] - m) ** 2;
    meanVar += v / n;
  }
  const tolAbs = (tol * meanVar) / d;
  let centres = kmeansPlusPlus(x, k, rng);
  const labels = new Int32Array(n);
  for (let iter = 0; iter < maxIter; iter++) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const dd = sqDist(x[i], centres[c]);
        if (dd < bestD) {
          bestD = dd;
          best = c;
        }
      }
      labels[i] = best;
    }
    const sums = Array.from({ length: k }, () => new Array<number>(d).fill(0));
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) {
      counts[labels[i]]++;
      for (let j = 0; j < d; j++) sums[labels[i]][j] += x[i][j];
    }
    const next = sums.map((s, c) => (counts[c] > 0 ? s.map((v) => v / counts[c]) : centres[c].slice()));
    let shift = 0;
    for (let c = 0; c < k; c++) shift += sqDist(next[c], centres[c]);
    centres = next;
    if (shift <= tolAbs) break;
  }
  // final assignment to the final centres
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      const dd = sqDist(x[i], centres[c]);
      if (dd < bestD) {
        bestD = dd;
        best = c;
      }
    }
    labels[i] = best;
  }
  return labels;
}
