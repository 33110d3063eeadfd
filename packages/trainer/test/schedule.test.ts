import { describe, expect, it } from 'vitest';
import { learningRateAt, resolveConfig } from '../src/index.js';

describe('learning-rate schedules', () => {
  it('step: ×0.1 from each milestone on (imdb-wiki-dir/utils.py adjust_learning_rate)', () => {
    const c = resolveConfig({ data: { dataset: 'imdb-wiki-dir' } });
    const want = [1e-3, 1e-3, 1e-4, 1e-4, 1e-5, 1e-5];
    for (const [i, e] of [0, 59, 60, 79, 80, 89].entries()) expect(learningRateAt(c, e)).toBeCloseTo(want[i], 18);
  });
  it('nyud2: lr · 0.1^(epoch // 5)', () => {
    const c = resolveConfig({ data: { dataset: 'nyud2-dir' } });
    const want = [1e-4, 1e-4, 1e-5, 1e-5];
    for (const [i, e] of [0, 4, 5, 9].entries()) expect(learningRateAt(c, e)).toBeCloseTo(want[i], 18);
  });
  it('cosine: CosineAnnealingLR(T_max = epochs) closed form', () => {
    const c = resolveConfig({ data: { dataset: 'synthetic-1d' } });
    expect(learningRateAt(c, 0)).toBe(1e-3);
    expect(learningRateAt(c, 1000)).toBeCloseTo(0.5e-3, 15);
    expect(learningRateAt(c, 500)).toBeCloseTo((1e-3 * (1 + Math.SQRT1_2)) / 2, 15);
  });
});

describe('depth net output size', () => {
  it('is 2·⌈⌈H/2⌉/2⌉: the paper crop gives the official 114×152, odd CPU crops round up', async () => {
    const { depthOutputSize } = await import('../src/data/task-data.js');
    expect(depthOutputSize([228, 304])).toEqual([114, 152]);
    expect(depthOutputSize([114, 152])).toEqual([58, 76]);
    const { createDepthNet } = await import('@bmse/models');
    for (const crop of [
      [114, 152],
      [66, 90],
    ] as [number, number][]) {
      const net = createDepthNet({ encoder: 'resnet18', inputShape: [...crop, 3], widthMultiplier: 0.125 });
      expect(net.model.outputs[0].shape.slice(1, 3)).toEqual(depthOutputSize(crop));
      net.dispose();
    }
  });
});
