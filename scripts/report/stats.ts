/** Seed statistics and number formatting for the tables: mean ± sample standard deviation, fixed decimals. */

export const MISSING = '—';

export interface SeedStat {
  mean: number;
  /** sample standard deviation (n − 1); null for a single value */
  std: number | null;
  /** how many non-null values went into it */
  count: number;
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Sample standard deviation (divides by n − 1); needs at least two values. */
export function sampleStd(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/** Mean ± std over the non-null values; null when there is none. */
export function seedStat(values: readonly (number | null)[]): SeedStat | null {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return null;
  return { mean: mean(xs), std: xs.length > 1 ? sampleStd(xs) : null, count: xs.length };
}

/** Fixed decimals, without a "-0.00". */
export function fixed(value: number, decimals: number): string {
  const s = value.toFixed(decimals);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** "12.34 ± 0.56", "12.34" for one seed, "—" for no value. */
export function formatStat(stat: SeedStat | null, decimals: number): string {
  if (stat === null) return MISSING;
  return stat.std === null
    ? fixed(stat.mean, decimals)
    : `${fixed(stat.mean, decimals)} ± ${fixed(stat.std, decimals)}`;
}

/** A wall time: "42 s", "12.5 min", "3.25 h". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return MISSING;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${fixed(seconds / 60, 1)} min`;
  return `${fixed(seconds / 3600, 2)} h`;
}
