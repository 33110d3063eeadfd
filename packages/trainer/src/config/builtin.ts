/**
 * The built-in default run (`pnpm run train` with no --config): the same experiment as
 * configs/imdb-wiki-dir/vanilla-cpu.yaml — synthetic-age (disk radius → "age", IMDB-WIKI-shaped
 * long tail), a ResNet-18 at 1/4 width, L1 loss, 8 epochs — a few minutes on a 2-core CPU, ending
 * with the shot table.
 */
import type { ConfigInput } from './schema.js';

export const BUILTIN_CONFIG: ConfigInput = {
  name: 'quickstart-synthetic-age',
  row: 'Vanilla',
  data: {
    dataset: 'synthetic-age',
    dir: 'data/synthetic-age-imdb',
    imageSize: 32,
    batchSize: 64,
    synthetic: { size: 32, shape: 'imdb-wiki', maxCount: 200, minCount: 4, maxSize: 10 },
  },
  model: { arch: 'resnet18', widthMultiplier: 0.25 },
  schedule: { epochs: 8, milestones: [6] },
};
