/**
 * End to end on wasm: a small conv net (conv-BN-ReLU, max-pool, strided conv,
 * global pooling, dense) gets the same gradients as on the cpu backend, trains
 * (its loss falls), and a training step leaks no tensors.
 */
import { FusedAdam, tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, seeded, setupWasm } from './helpers.js';
import { smallNet } from './small-net.js';

beforeAll(setupWasm);

/** noise images, each shifted by its own brightness offset; the target is that offset */
const offsets = seeded(8, 5);
const x = () => tf.add(tf.tensor4d(seeded(8 * 16 * 16 * 3, 4), [8, 16, 16, 3]), tf.tensor4d(offsets, [8, 1, 1, 1]));
const y = () => tf.tensor2d(offsets, [8, 1]);

describe('training a conv net on wasm', () => {
  it('gets the same gradients as on cpu', async () => {
    const gradsOn = async (backend: string) => {
      await tf.setBackend(backend);
      const model = smallNet();
      const { grads } = tf.variableGrads(
        () => tf.losses.meanSquaredError(y(), model.apply(x(), { training: true }) as tf.Tensor) as tf.Scalar,
      );
      const values = await Promise.all(
        model.trainableWeights.map((w) => grads[(w as unknown as { val: tf.Variable }).val.name].data()),
      );
      tf.dispose(grads);
      model.dispose();
      return values;
    };
    const ref = await gradsOn('cpu');
    const got = await gradsOn('wasm');
    expect(got.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) {
      expect(maxAbsDiff(got[i], ref[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(ref[i])));
    }
  });

  it('lowers the loss and leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const model = smallNet();
    const opt = new FusedAdam({ learningRate: 0.01 });
    const xs = x();
    const ys = y();
    const step = () => {
      const loss = opt.minimize(
        () => tf.losses.meanSquaredError(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      ) as tf.Scalar;
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    };
    const first = step();
    step();
    const tensorsAfterWarmup = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 60; i++) last = step();
    expect(tf.memory().numTensors).toBe(tensorsAfterWarmup);
    expect(last).toBeLessThan(0.1 * first);
  });
});
