/** DIR baselines against PyTorch float64 golden values (test/fixtures/torch-baselines.json). */
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { focalL1, focalMse, huberLoss, weightedL1, weightedMse } from '../src/index.js';
import golden from './fixtures/torch-baselines.json' with { type: 'json' };
import { expectClose, expectNoLeak, setup } from './helpers.js';

beforeAll(setup);

type Fn = (p: tf.Tensor, y: tf.Tensor, w?: tf.Tensor) => tf.Scalar;
const fns: Record<string, Fn> = {
  mse: (p, y, w) => weightedMse(p, y, w),
  l1: (p, y, w) => weightedL1(p, y, w),
  focal_l1_sigmoid: (p, y, w) => focalL1(p, y, { weights: w }),
  focal_l1_tanh: (p, y, w) => focalL1(p, y, { weights: w, activate: 'tanh' }),
  focal_mse_sigmoid: (p, y, w) => focalMse(p, y, { weights: w, beta: 0.5, gamma: 2 }),
  focal_mse_tanh: (p, y, w) => focalMse(p, y, { weights: w, activate: 'tanh', beta: 0.5, gamma: 2 }),
  huber: (p, y, w) => huberLoss(p, y, { weights: w, beta: 1.5 }),
};

describe('DIR baseline losses', () => {
  for (const [name, f] of Object.entries(fns)) {
    for (const weighted of [false, true]) {
      it(`${name}${weighted ? ' with per-sample weights' : ''}: loss and gradient`, () => {
        const want = (golden.cases as Record<string, { loss: number; gradPred: number[] }>)[
          `${name}_${weighted ? 'w' : 'none'}`
        ];
        const p = tf.tensor2d(golden.pred, [8, 1]);
        const y = tf.tensor2d(golden.target, [8, 1]);
        const w = weighted ? tf.tensor1d(golden.weights) : undefined; // [B] weights against [B, 1] preds: per sample
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => f(a, y, w))([p]);
        expectClose(value.dataSync()[0], want.loss, 1e-5, 1e-7);
        expectClose(grads[0].dataSync(), want.gradPred, 1e-4, 1e-6);
        tf.dispose([p, y, value, ...grads, ...(w ? [w] : [])]);
      });
    }
  }

  it('weights may be a number array or match a dense shape; mismatches are errors; no leaks', () => {
    const p = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    const y = tf.zerosLike(p);
    const perSample = weightedMse(p, y, [1, 0]).dataSync()[0];
    expect(perSample).toBeCloseTo((1 + 4 + 9 + 16) / 8, 5);
    const dense = weightedMse(p, y, tf.onesLike(p)).dataSync()[0];
    expect(dense).toBeCloseTo(204 / 8, 4);
    expect(() => weightedMse(p, y, [1, 2, 3])).toThrow(
      /weights must hold one value per sample \(2\) or match pred's shape/,
    );
    expect(() => weightedL1(p, tf.zeros([3]))).toThrow(/same shape/);
    expect(() => focalL1(p, y, { activate: 'relu' as 'tanh' })).toThrow(
      /activate must be 'sigmoid' or 'tanh', got 'relu'/,
    );
    expectNoLeak(() => tf.dispose([huberLoss(p, y), focalMse(p, y, { weights: [1, 2] })]));
    tf.dispose([p, y]);
  });
});
