/**
 * The reproduction that runs on a 2-core CPU (issue #7 item 5): which config and seeds each part
 * trains, in dependency order (the RRT / Balanced MSE rows start from the vanilla run of the same seed).
 */
export interface PlannedRun {
  part: Part;
  config: string;
  seed: number;
}

export const PARTS = ['synthetic-1d', 'synthetic-2d', 'synthetic-age', 'synthetic-depth'] as const;
export type Part = (typeof PARTS)[number];

const seeds = (n: number) => Array.from({ length: n }, (_, i) => i);

const runs = (part: Part, configs: string[], n: number): PlannedRun[] =>
  configs.flatMap((config) => seeds(n).map((seed) => ({ part, config, seed })));

const linearRows = ['mse', 'reweight', 'gai', 'bmc', 'gai-learnable', 'bmc-learnable'];

export const PLAN: readonly PlannedRun[] = [
  ...runs(
    'synthetic-1d',
    linearRows.map((r) => `configs/synthetic/1d-${r}.yaml`),
    1,
  ),
  ...runs(
    'synthetic-2d',
    linearRows.map((r) => `configs/synthetic/2d-${r}.yaml`),
    1,
  ),
  ...runs(
    'synthetic-age',
    [
      ...['vanilla', 'sqinv-lds', 'rrt', 'gai', 'bmc', 'bni'],
      // issue #16 §2: Balanced MSE end to end beside MSE end to end; the stage-2 BMC σ sweep;
      // a stronger (24-epoch) stage 1 with RRT and BMC (σ₀ 10, 1, 3) on it, and BMC end to end for 24 epochs
      ...['mse-e2e', 'gai-e2e', 'bmc-e2e'],
      ...['bmc-sigma1', 'bmc-sigma3', 'bmc-sigma1-fixed', 'bmc-sigma3-fixed', 'bmc-sigma10-fixed'],
      ...['vanilla-24ep', 'rrt-24ep', 'bmc-24ep', 'bmc-sigma1-24ep', 'bmc-sigma3-24ep', 'bmc-e2e-24ep'],
    ].map((r) => `configs/imdb-wiki-dir/${r}-cpu.yaml`),
    3,
  ),
  ...runs(
    'synthetic-depth',
    ['vanilla', 'lds', 'gai', 'bni'].map((r) => `configs/nyud2-dir/${r}-cpu.yaml`),
    3,
  ),
];
