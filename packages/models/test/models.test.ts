/** Parameter counts (full size, built only), output shapes, training steps, BN modes, RRT freezing, FDS in the forward pass. */
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm2d, createDepthNet, createResNetRegressor, freezeForRrt } from '../src/index.js';
import { seeded, setupWasm } from './helpers.js';

beforeAll(setupWasm);

describe('parameter counts match PyTorch', () => {
  it.each([
    [18, 11_177_025],
    [34, 21_285_185],
    [50, 23_510_081],
  ] as const)('ResNet-%i regressor: %i', (depth, count) => {
    const net = createResNetRegressor({ depth, inputShape: [224, 224, 3] });
    expect(net.countParameters()).toBe(count);
    expect(net.countTrainableParameters()).toBe(count);
    expect(net.featureDim).toBe(depth === 50 ? 2048 : 512);
    net.dispose();
  });

  it('depth net (ResNet-50 encoder): 67,569,473 = E + D + MFF + R; output 114x152', () => {
    const net = createDepthNet({ encoder: 'resnet50', inputShape: [228, 304, 3] });
    expect(net.countParameters()).toBe(67_569_473);
    expect(net.countParametersByPart()).toEqual({ E: 23_508_032, D: 40_054_400, MFF: 3_184_128, R: 822_913 });
    expect(net.model.outputs[0].shape).toEqual([null, 114, 152, 1]);
    expect(net.trunk.outputs[0].shape).toEqual([null, 114, 152, 128]);
    net.dispose();
  });
});

describe('output shapes', () => {
  it('ResNet regressor with free spatial size works for several input sizes; d outputs', () => {
    const net = createResNetRegressor({
      depth: 18,
      inputShape: [null, null, 3],
      widthMultiplier: 0.125,
      outputs: 3,
      seed: 1,
    });
    for (const [h, w] of [
      [32, 32],
      [45, 61],
      [64, 48],
    ]) {
      const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const y = net.predict(x);
      expect(y.shape).toEqual([2, 3]);
      tf.dispose([x, y]);
    }
    net.dispose();
  });

  it('depth net: [B, H/2, W/2, 1] for several sizes (ResNet-18 and -50 encoders, narrow)', () => {
    for (const [encoder, h, w] of [
      ['resnet18', 64, 96],
      ['resnet50', 76, 100],
    ] as const) {
      const net = createDepthNet({ encoder, inputShape: [h, w, 3], widthMultiplier: 0.125, seed: 2 });
      const x = tf.randomNormal([1, h, w, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
      const y = net.predict(x);
      expect(y.shape).toEqual([1, h / 2, w / 2, 1]);
      tf.dispose([x, y]);
      net.dispose();
    }
  });
});

function toyData(n: number, size: number) {
  const x = tf.tensor4d(seeded(n * size * size * 3, 7), [n, size, size, 3]);
  const y = tf.tidy(() => tf.mean(x, [1, 2, 3]).reshape([n, 1]).mul(10));
  return { x, y };
}

describe('training (wasm, toy sizes)', () => {
  it('a few Adam steps lower the MSE', () => {
    const net = createResNetRegressor({ depth: 18, inputShape: [32, 32, 3], widthMultiplier: 0.125, seed: 5 });
    const { x, y } = toyData(8, 32);
    const opt = tf.train.adam(1e-2);
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const cost = opt.minimize(
        () => tf.losses.meanSquaredError(y, net.forward(x, { training: true }).pred) as tf.Scalar,
        true,
        net.trainableVariables(),
      );
      losses.push(cost!.dataSync()[0]);
      cost!.dispose();
    }
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.5);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  it('BN: training uses batch statistics and updates running ones; inference does neither', () => {
    const net = createResNetRegressor({ depth: 18, inputShape: [32, 32, 3], widthMultiplier: 0.125, seed: 6 });
    const { x, y } = toyData(4, 32);
    const mean = () =>
      net
        .namedWeights()
        .find((w) => w.name === 'bn1/moving_mean')!
        .variable.dataSync()
        .slice();
    const m0 = mean();
    const p1 = net.predict(x);
    expect(Array.from(mean())).toEqual(Array.from(m0));
    const { pred } = net.forward(x, { training: true });
    expect(Array.from(mean())).not.toEqual(Array.from(m0));
    expect(Array.from(pred.dataSync())).not.toEqual(Array.from(p1.dataSync()));
    tf.dispose([x, y, p1, pred]);
    net.dispose();
  });

  it.each(['train', 'eval'] as const)('RRT freeze: only linear trains; frozen BN statistics %s', (frozenBn) => {
    const net = createResNetRegressor({ depth: 18, inputShape: [32, 32, 3], widthMultiplier: 0.125, seed: 8 });
    freezeForRrt(net, { frozenBn });
    expect(net.trainableVariables().length).toBe(2);
    expect(net.countTrainableParameters()).toBe(net.featureDim + 1);
    const get = (n: string) =>
      net
        .namedWeights()
        .find((w) => w.name === n)!
        .variable.dataSync()
        .slice();
    const before = { conv: get('conv1/kernel'), lin: get('linear/kernel'), bn: get('layer1.0.bn1/moving_mean') };
    const { x, y } = toyData(4, 32);
    const opt = tf.train.adam(1e-2);
    opt.minimize(
      () => tf.losses.meanSquaredError(y, net.forward(x, { training: true }).pred) as tf.Scalar,
      false,
      net.trainableVariables(),
    );
    expect(Array.from(get('conv1/kernel'))).toEqual(Array.from(before.conv));
    expect(Array.from(get('linear/kernel'))).not.toEqual(Array.from(before.lin));
    const bnMoved = Array.from(get('layer1.0.bn1/moving_mean')).some((v, i) => v !== before.bn[i]);
    expect(bnMoved).toBe(frozenBn === 'train');
    net.setTrainable('all');
    expect(net.countTrainableParameters()).toBe(net.countParameters());
    expect(net.model.layers.filter((l) => l instanceof BatchNorm2d).every((l) => l.trainable)).toBe(true);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  it('depth net RRT trains only R; FDS calibrates the R features in training', () => {
    const net = createDepthNet({
      encoder: 'resnet18',
      inputShape: [64, 64, 3],
      widthMultiplier: 0.125,
      seed: 9,
      fds: { ks: 3 },
    });
    freezeForRrt(net);
    const rParams = net.countParameters(['R']);
    expect(net.countTrainableParameters()).toBe(rParams);
    const x = tf.tensor4d(seeded(2 * 64 * 64 * 3, 11), [2, 64, 64, 3]);
    const depth = tf.tidy(() =>
      tf
        .tensor4d(seeded(2 * 32 * 32, 12), [2, 32, 32, 1])
        .abs()
        .mul(5)
        .add(0.5),
    );
    const fds = net.fds!;
    const feats = net.forward(x, { training: true, targets: depth, epoch: 0 });
    fds.updateRunningStats(feats.features, depth, 0);
    fds.updateLastEpochStats(1);
    fds.updateRunningStats(feats.features, depth, 1);
    fds.updateLastEpochStats(2);
    const out = net.forward(x, { training: true, targets: depth, epoch: 2 });
    expect(out.pred.shape).toEqual([2, 32, 32, 1]);
    expect(out.calibrated).not.toBe(out.features);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(out.calibrated, out.features))).dataSync()[0]);
    expect(diff).toBeGreaterThan(1e-4);
    tf.dispose([x, depth, feats.pred, feats.features, feats.calibrated, out.pred, out.features, out.calibrated]);
    net.dispose();
  });

  it('forward/predict leak no tensors', () => {
    const net = createResNetRegressor({ depth: 18, inputShape: [32, 32, 3], widthMultiplier: 0.125, seed: 10 });
    const x = tf.zeros([2, 32, 32, 3]);
    tf.dispose(net.predict(x));
    const before = tf.memory().numTensors;
    tf.dispose(net.predict(x));
    const r = net.forward(x, { training: true });
    tf.dispose([r.pred, r.features, r.calibrated]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });
});
