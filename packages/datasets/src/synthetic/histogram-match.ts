/** Monotone quantile mapping of depths onto a target 0.1 m-bin histogram (keeps every depth ordering, so occlusions survive). */

/** Maps `values` in place so that their histogram follows `counts` (bin b covers [0.1b, 0.1b + 0.1)). */
export function matchDepthHistogram(values: Float32Array, counts: readonly number[]): void {
  const sorted = Float32Array.from(values).sort();
  const total = counts.reduce((a, c) => a + c, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const c of counts) {
    acc += c;
    cum.push(acc / total);
  }
  const n = sorted.length;
  for (let i = 0; i < values.length; i++) {
    // rank of the value among all (lower bound), as a mid-point quantile
    let lo = 0;
    let hi = n;
    const v = values[i];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    const q = (lo + 0.5) / n;
    let b = 0;
    while (b < counts.length - 1 && cum[b] < q) b++;
    const prev = b === 0 ? 0 : cum[b - 1];
    const within = cum[b] > prev ? (q - prev) / (cum[b] - prev) : 0.5;
    values[i] = 0.1 * (b + Math.min(0.999, Math.max(0, within)));
  }
}
