/**
 * What the age recipe can bin (spec §1.7, official `max_target = 121`): re-weighting, LDS, BNI buckets and the
 * per-label results put an age in bin int(age) of 0..120. Ages outside [0, 121) are refused when the CSV is read
 * (file, row and range in the error); fractional ages train, but are reported once (issue #16).
 */
import type { AgeDataset } from '@bmse/datasets';

/** Integer age bins 0..AGE_MAX_TARGET−1; also @bmse/losses prepareWeights' default. */
export const AGE_MAX_TARGET = 121;

/** One line about the split's non-integer ages (their count and the first one's CSV row), or null when all are integers. */
export function fractionalAgeNote(ds: Pick<AgeDataset, 'split' | 'csv' | 'labels' | 'lines'>): string | null {
  const labels = ds.labels();
  const fractional = labels.flatMap((age, i) => (Number.isInteger(age) ? [] : [i]));
  if (fractional.length === 0) return null;
  const first = fractional[0];
  const age = labels[first];
  return (
    `note: ${ds.csv}: ${fractional.length} of ${labels.length} ${ds.split} ages are not integers ` +
    `(first: row ${ds.lines()[first]}, age ${age}); they train as given, but re-weighting, LDS, BNI and the ` +
    `per-label results bin ages by int(age) (${age} → bin ${Math.trunc(age)})`
  );
}
