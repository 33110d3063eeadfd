/** Learning-rate schedules of the official scripts (spec §4.1, §4.2, §2.5); `epoch` is 0-based. */
import type { RunConfig } from '../config/schema.js';

export function learningRateAt(c: Pick<RunConfig, 'optimizer' | 'schedule'>, epoch: number): number {
  const { lr } = c.optimizer;
  const s = c.schedule;
  switch (s.type) {
    case 'step': // imdb-wiki-dir/utils.py adjust_learning_rate: ×gamma for each milestone ≤ epoch
      return lr * s.gamma ** s.milestones.filter((m) => epoch >= m).length;
    case 'nyud2': // nyud2-dir/train.py: lr · 0.1^(epoch // 5)
      return lr * 0.1 ** Math.floor(epoch / 5);
    case 'cosine': // torch CosineAnnealingLR(T_max = epochs, eta_min = 0), stepped once per epoch
      return (lr * (1 + Math.cos((Math.PI * epoch) / s.epochs))) / 2;
    default:
      return lr;
  }
}
