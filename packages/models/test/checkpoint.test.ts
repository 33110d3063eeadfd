/** Checkpoints: identical predictions and identical continued training after load; clear errors; atomic writes. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@bmse/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BmseNet,
  CheckpointError,
  createResNetRegressor,
  loadCheckpoint,
  readCheckpointInfo,
  saveCheckpoint,
  verifyCheckpoint,
} from '../src/index.js';
import { seeded, setupWasm } from './helpers.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'bmse-ckpt-'));
beforeAll(setupWasm);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const spec = { depth: 18, inputShape: [32, 32, 3], widthMultiplier: 0.125, fds: { ks: 3, bucketNum: 10 } } as const;
const x = () => tf.tensor4d(seeded(4 * 32 * 32 * 3, 21), [4, 32, 32, 3]);
const y = () => tf.tensor2d([1, 2, 3, 4], [4, 1]);

function step(net: BmseNet, opt: tf.Optimizer, xs: tf.Tensor, ys: tf.Tensor, epoch: number) {
  opt.minimize(
    () => tf.losses.meanSquaredError(ys, net.forward(xs, { training: true, targets: ys, epoch }).pred) as tf.Scalar,
    false,
    net.trainableVariables(),
  );
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round trip: same predictions, state, FDS buffers, and identical continued training', async () => {
    const net = createResNetRegressor({ ...spec, inputShape: [32, 32, 3], seed: 3 });
    const opt = tf.train.adam(1e-2);
    const sigma = tf.variable(tf.scalar(2.5));
    const xs = x();
    const ys = y();
    for (let i = 0; i < 2; i++) step(net, opt, xs, ys, 0);
    const feats = net.forward(xs, { training: false });
    net.fds!.updateRunningStats(feats.features, ys, 0);
    net.fds!.updateLastEpochStats(1);
    net.fds!.updateRunningStats(feats.features, ys, 1);
    net.fds!.updateLastEpochStats(2);
    tf.dispose([feats.pred, feats.features, feats.calibrated]);
    const dir = path.join(root, 'run', 'checkpoints', 'last');
    await saveCheckpoint(dir, {
      model: net,
      epoch: 2,
      step: 2,
      optimizer: opt,
      sigma,
      rng: { s: [1, 2, 3] },
      config: { lr: 0.01 },
      extra: { best: 1.5 },
    });
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'state.bin', 'state.json', 'weights.bin']);
    const before = net.predict(xs).dataSync();

    const opt2 = tf.train.adam(1e-2);
    const loaded = await loadCheckpoint(dir, { optimizer: opt2 });
    const net2 = loaded.model;
    expect(loaded).toMatchObject({
      epoch: 2,
      step: 2,
      sigma: 2.5,
      rng: { s: [1, 2, 3] },
      config: { lr: 0.01 },
      extra: { best: 1.5 },
    });
    expect(loaded.optimizer).toMatchObject({ className: 'Adam', restored: true });
    expect(Array.from(net2.predict(xs).dataSync())).toEqual(Array.from(before));
    expect(Array.from(net2.fds!.buffer('smoothed_var_last_epoch'))).toEqual(
      Array.from(net.fds!.buffer('smoothed_var_last_epoch')),
    );
    expect(net2.fds!.epoch).toBe(2);

    for (let i = 0; i < 2; i++) {
      step(net, opt, xs, ys, 2);
      step(net2, opt2, xs, ys, 2);
    }
    expect(Array.from(net2.predict(xs).dataSync())).toEqual(Array.from(net.predict(xs).dataSync()));

    // overwrite in place: still exactly four files, no temporary siblings left
    await saveCheckpoint(dir, { model: net2, epoch: 3, step: 4 });
    expect((await readCheckpointInfo(dir)).state.epoch).toBe(3);
    expect(readdirSync(path.dirname(dir))).toEqual(['last']);
    tf.dispose([xs, ys, sigma]);
    opt.dispose();
    opt2.dispose();
    net.dispose();
    net2.dispose();
  });

  it('a truncated or mismatched checkpoint gives an error naming what is wrong', async () => {
    const net = createResNetRegressor({ depth: 18, inputShape: [32, 32, 3], widthMultiplier: 0.125, seed: 4 });
    const dir = path.join(root, 'bad');
    await saveCheckpoint(dir, { model: net, epoch: 0, step: 0 });
    const other = createResNetRegressor({ depth: 18, inputShape: [32, 32, 3], widthMultiplier: 0.25 });
    await expect(loadCheckpoint(dir, { model: other })).rejects.toThrow(
      /different network: widthMultiplier: checkpoint 0.125, model 0.25/,
    );
    await expect(verifyCheckpoint(dir)).resolves.toBeUndefined();
    const wfile = path.join(dir, 'weights.bin');
    const size = statSync(wfile).size;
    truncateSync(wfile, size - 8);
    const truncated = `checkpoint: ${wfile} has ${size - 8} bytes, the manifest describes ${size}; truncated or mismatched`;
    for (const load of [loadCheckpoint, verifyCheckpoint]) {
      const e = await load(dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CheckpointError);
      expect((e as Error).message).toBe(truncated);
    }
    writeFileSync(path.join(dir, 'state.json'), readFileSync(path.join(dir, 'state.json'), 'utf8').slice(0, 20));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/state\.json is not valid JSON/);
    await expect(verifyCheckpoint(dir)).rejects.toBeInstanceOf(CheckpointError);
    await expect(loadCheckpoint(path.join(root, 'nope'))).rejects.toThrow(/cannot read .*nope.*model\.json \(ENOENT\)/);
    net.dispose();
    other.dispose();
  });
});
