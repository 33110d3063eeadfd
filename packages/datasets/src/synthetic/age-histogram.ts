/**
 * Long-tailed age histograms for synthetic-age, shaped like the real training sets (spec §2.1/§2.2): a skewed
 * bump (peak ~30–35) with thin tails. 'agedb' is broader (AgeDB-DIR: ages 1–101, 353 at the peak, min 1);
 * 'imdb-wiki' is more peaked (IMDB-WIKI-DIR: most faces 20–45).
 */
export type AgeShape = 'agedb' | 'imdb-wiki';

const shapes: Record<AgeShape, { peak: number; left: number; right: number }> = {
  agedb: { peak: 35, left: 11, right: 19 },
  'imdb-wiki': { peak: 30, left: 7, right: 13 },
};

export interface AgeHistogramOptions {
  shape?: AgeShape;
  /** count at the peak age (default 120) */
  maxCount?: number;
  /** floor for every age in range (default 4: ≥ 1 val and 1 test image per age after the balanced split) */
  minCount?: number;
  minAge?: number;
  maxAge?: number;
}

/** counts[a] for a = 0..maxAge (0 outside [minAge, maxAge]). */
export function ageHistogram(opts: AgeHistogramOptions = {}): number[] {
  const { shape = 'agedb', maxCount = 120, minCount = 4, minAge = 0, maxAge = 100 } = opts;
  const s = shapes[shape];
  return Array.from({ length: maxAge + 1 }, (_, a) => {
    if (a < minAge) return 0;
    const z = (a - s.peak) / (a < s.peak ? s.left : s.right);
    return Math.max(minCount, Math.round(maxCount * Math.exp(-0.5 * z * z)));
  });
}
