/** Published / official numbers (spec §6.1–§6.4) shown beside our rows; the data lives in paper-numbers.json. */

import type { Dataset, MetricName, ShotKey } from './datasets.js';
import data from './paper-numbers.json' with { type: 'json' };

export interface PublishedRow {
  dataset: Dataset;
  /** our paper-row label (config `row`) this published row compares with */
  row: string;
  /** the row name as the source prints it */
  label: string;
  /** provenance mark and source, e.g. "[R] Balanced MSE README" */
  provenance: string;
  /** spec section, e.g. "§6.1" */
  section: string;
  /** decimals the source prints */
  decimals: number;
  metrics: Partial<Record<MetricName, Partial<Record<ShotKey, number>>>>;
}

export const PAPER_NUMBERS: readonly PublishedRow[] = data.rows as PublishedRow[];

export function publishedRows(dataset: Dataset): PublishedRow[] {
  return PAPER_NUMBERS.filter((r) => r.dataset === dataset);
}

/** "[R] Balanced MSE README (spec §6.1, “GAI”)": provenance, section and the source's own row name. */
export function sourceLabel(r: PublishedRow): string {
  return `${r.provenance} (spec ${r.section}, “${r.label}”)`;
}
