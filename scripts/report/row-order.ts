/**
 * The paper's row order (Vanilla, then the DIR baselines, then Balanced MSE GAI/BMC/BNI; spec §1.7, §6)
 * and the matching of row labels: case, spacing and spacing around "+" do not matter.
 */

export const PAPER_ROW_ORDER: readonly string[] = [
  'Vanilla',
  'MSE',
  'SMOTER',
  'SMOGN',
  'Focal-R',
  'RRT',
  'Reweight',
  'INV',
  'SQINV',
  'Vanilla + LDS',
  'Vanilla + FDS',
  'Vanilla + LDS + FDS',
  'INV + LDS',
  'INV + FDS',
  'INV + LDS + FDS',
  'SQINV + LDS',
  'SQINV + FDS',
  'SQINV + LDS + FDS',
  'RRT + LDS',
  'RRT + FDS',
  'RRT + LDS + FDS',
  'Balanced MSE (GAI)',
  'Balanced MSE (BMC)',
  'Balanced MSE (BNI)',
  'Balanced MSE (GAI, learnable σ)',
  'Balanced MSE (BMC, learnable σ)',
  'MSE (end to end)',
  'Balanced MSE (GAI), end to end',
  'Balanced MSE (BMC), end to end',
  'Balanced MSE (BMC), σ₀ = 1',
  'Balanced MSE (BMC), σ₀ = 3',
  'Balanced MSE (BMC), σ = 1 fixed',
  'Balanced MSE (BMC), σ = 3 fixed',
  'Balanced MSE (BMC), σ = 10 fixed',
  'Vanilla, 24 epochs',
  'RRT, stage 1 of 24 epochs',
  'Balanced MSE (BMC), stage 1 of 24 epochs',
  'Balanced MSE (BMC), σ₀ = 1, stage 1 of 24 epochs',
  'Balanced MSE (BMC), σ₀ = 3, stage 1 of 24 epochs',
  'Balanced MSE (BMC), end to end, 24 epochs',
];

/** Rows that are this project's ablations (issue #16 §2), not paper rows: in the tables, left out of the main per-label figure. */
export const ABLATION_ROWS: readonly string[] = PAPER_ROW_ORDER.slice(PAPER_ROW_ORDER.indexOf('MSE (end to end)'));

/** The second per-label figure, where a dataset has end-to-end rows: the end-to-end rows beside the references they replace. */
export const END_TO_END_FIGURE_ROWS: readonly string[] = [
  'Vanilla',
  'SQINV + LDS',
  'Balanced MSE (BMC)',
  'MSE (end to end)',
  'Balanced MSE (GAI), end to end',
  'Balanced MSE (BMC), end to end',
];

/** The key rows are grouped and matched by: lower case, single spaces, " + " around plus signs. */
export function rowKey(label: string): string {
  return label
    .trim()
    .toLowerCase()
    .replace(/\s*\+\s*/g, ' + ')
    .replace(/\s+/g, ' ');
}

const ABLATION_KEYS = new Set(ABLATION_ROWS.map(rowKey));

/** Whether a row label is one of the ablation rows (any spelling). */
export function isAblationRow(label: string): boolean {
  return ABLATION_KEYS.has(rowKey(label));
}

const RANK = new Map(PAPER_ROW_ORDER.map((r, i) => [rowKey(r), i]));

/** Paper rows in the paper's order, then unknown rows alphabetically; 0 for two spellings of one row. */
export function compareRows(a: string, b: string): number {
  const ka = rowKey(a);
  const kb = rowKey(b);
  const ra = RANK.get(ka) ?? Number.POSITIVE_INFINITY;
  const rb = RANK.get(kb) ?? Number.POSITIVE_INFINITY;
  if (ra !== rb) return ra < rb ? -1 : 1;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
