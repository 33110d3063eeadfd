import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FusedAdam, tf } from '@bmse/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinearRegressor, createModel, freezeForRrt, loadCheckpoint, saveCheckpoint } from '../src/index.js';

describe('createLinearRegressor (synthetic benchmark nn.Linear)', () => {
  let dir = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(path.join(os.tmpdir(), 'bmse-linear-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('computes x·W + b with PyTorch default init bounds and parameter count', () => {
    const net = createLinearRegressor({ inputs: 2, outputs: 2, seed: 3 });
    expect(net.countParameters()).toBe(6);
    const [w, b] = net.namedWeights().map((v) => v.variable.arraySync() as number[] | number[][]);
    for (const v of [...(w as number[][]).flat(), ...(b as number[])])
      expect(Math.abs(v)).toBeLessThanOrEqual(1 / Math.sqrt(2));
    const x = tf.tensor2d([
      [1, 2],
      [-3, 0.5],
    ]);
    const W = w as number[][];
    const B = b as number[];
    const expected = [
      [1, 2],
      [-3, 0.5],
    ].map((r) => [0, 1].map((j) => r[0] * W[0][j] + r[1] * W[1][j] + B[j]));
    const { pred, features } = net.forward(x, { training: true });
    expect(pred.arraySync()).toEqual(expected.map((r) => r.map((v) => expect.closeTo(v, 6))));
    expect(features.arraySync()).toEqual([
      [1, 2],
      [-3, 0.5],
    ]);
    tf.dispose([x, pred, features]);
    freezeForRrt(net);
    expect(net.countTrainableParameters()).toBe(6);
    net.dispose();
  });

  it('is deterministic for a seed and round-trips through a checkpoint', async () => {
    const a = createLinearRegressor({ inputs: 1, outputs: 1, seed: 7 });
    const b = createModel({ kind: 'linear', inputs: 1, outputs: 1, fds: null, seed: 7 });
    expect(a.namedWeights()[0].variable.dataSync()[0]).toBe(b.namedWeights()[0].variable.dataSync()[0]);
    await saveCheckpoint(path.join(dir, 'ck'), { model: a, epoch: 1, step: 4 });
    const loaded = await loadCheckpoint(path.join(dir, 'ck'));
    expect(loaded.spec.kind).toBe('linear');
    expect(loaded.model.namedWeights()[1].variable.dataSync()[0]).toBe(a.namedWeights()[1].variable.dataSync()[0]);
    for (const n of [a, b, loaded.model]) n.dispose();
  });

  it('restores FusedAdam slots into a model whose tfjs variable names differ (a second model in the process)', async () => {
    const x = tf.tensor2d([
      [1, 2],
      [0.5, -1],
      [2, 0],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const step = (n: ReturnType<typeof createLinearRegressor>, o: FusedAdam) => {
      const { grads, value } = tf.variableGrads(
        () => tf.losses.meanSquaredError(y, n.forward(x).pred) as tf.Scalar,
        n.trainableVariables(),
      );
      o.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const a = createLinearRegressor({ inputs: 2, outputs: 2, seed: 1 });
    const optA = new FusedAdam({ learningRate: 0.1 });
    for (let i = 0; i < 3; i++) step(a, optA);
    await saveCheckpoint(path.join(dir, 'adam'), { model: a, epoch: 1, step: 3, optimizer: optA });
    const b = createLinearRegressor({ inputs: 2, outputs: 2, seed: 99 });
    expect(b.namedWeights()[0].variable.name).not.toBe(a.namedWeights()[0].variable.name);
    const optB = new FusedAdam({ learningRate: 0.1 });
    await loadCheckpoint(path.join(dir, 'adam'), { model: b, optimizer: optB });
    for (let i = 0; i < 2; i++) {
      step(a, optA);
      step(b, optB);
    }
    expect(Array.from(b.predict(x).dataSync())).toEqual(Array.from(a.predict(x).dataSync()));
    tf.dispose([x, y]);
    for (const n of [a, b]) n.dispose();
    optA.dispose();
    optB.dispose();
  });
});
