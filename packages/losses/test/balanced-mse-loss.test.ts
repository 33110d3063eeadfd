/** BalancedMSELoss: σ as a tf.Variable, its own constant-LR optimizer, dispatch, logging, errors. */
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { BalancedMSELoss, bmcLoss, bmcLossMD, bniLoss, fitGmm, gaiLoss } from '../src/index.js';
import { setup } from './helpers.js';

beforeAll(setup);

const pred = () => tf.tensor2d([[20], [35], [50], [28]]);
const target = () => tf.tensor2d([[22], [30], [61], [25]]);
const gmm = { means: [[25], [50]], variances: [[[60]], [[200]]], weights: [0.7, 0.3] };

describe('BalancedMSELoss', () => {
  it('computes the same loss as the functions with s = σ²', () => {
    const p = pred();
    const y = target();
    const bmc = new BalancedMSELoss({ impl: 'bmc', initNoiseSigma: 10 });
    const gai = new BalancedMSELoss({ impl: 'gai', initNoiseSigma: 3, gmm, learnable: false });
    const bni = new BalancedMSELoss({ impl: 'bni', bucketCenters: [20, 30, 40], bucketWeights: [0.5, 0.3, 0.2] });
    expect(bmc.call(p, y).dataSync()[0]).toBeCloseTo(bmcLoss(p, y, 100).dataSync()[0], 4);
    expect(gai.call(p, y).dataSync()[0]).toBeCloseTo(gaiLoss(p, y, gmm, 9).dataSync()[0], 4);
    expect(bni.call(p, y).dataSync()[0]).toBeCloseTo(bniLoss(p, y, [20, 30, 40], [0.5, 0.3, 0.2], 1).dataSync()[0], 4);
    const p2 = tf.tensor2d([
      [1, 2],
      [3, 4],
      [0, 1],
    ]);
    const y2 = tf.tensor2d([
      [1, 3],
      [2, 4],
      [1, 1],
    ]);
    expect(bmc.call(p2, y2).dataSync()[0]).toBeCloseTo(bmcLossMD(p2, y2, 100).dataSync()[0], 4);
    expect(bmc.noiseVar()).toBeCloseTo(100, 4);
    expect(gai.sigma()).toBeCloseTo(3, 6);
    for (const l of [bmc, gai, bni]) l.dispose();
    tf.dispose([p, y, p2, y2]);
  });

  it('learnable σ: variableGrads sees it, applySigmaGradient steps it with its own Adam(lr) and hands back the rest', () => {
    const loss = new BalancedMSELoss({ impl: 'bmc', initNoiseSigma: 10, sigmaLr: 0.01 });
    const w = tf.variable(tf.scalar(1.0), true, 'bmse_test_w');
    const p = pred();
    const y = target();
    const { value, grads } = tf.variableGrads(() => loss.call(tf.mul(p, w), y));
    expect(Object.keys(grads).sort()).toEqual(['bmse_test_w', loss.noiseSigma.name].sort());
    const gSigma = grads[loss.noiseSigma.name].dataSync()[0];
    const rest = loss.applySigmaGradient(grads);
    expect(Object.keys(rest)).toEqual(['bmse_test_w']);
    // Adam's first step moves by lr·sign(g)
    expect(loss.sigma()).toBeCloseTo(10 - 0.01 * Math.sign(gSigma), 5);
    // a schedule that changes the model optimizer's LR does not touch σ's
    const modelOpt = tf.train.sgd(0.1);
    modelOpt.applyGradients(rest);
    modelOpt.setLearningRate(0.001);
    expect((loss.sigmaOptimizer as unknown as { learningRate: number }).learningRate).toBe(0.01);
    tf.dispose([value, ...Object.values(rest), p, y, w]);
    modelOpt.dispose();
    loss.dispose();
  });

  it('fixed σ is not trainable and has no optimizer; setSigma restores a checkpointed value', () => {
    const loss = new BalancedMSELoss({ impl: 'gai', gmm, initNoiseSigma: 1, learnable: false });
    expect(loss.noiseSigma.trainable).toBe(false);
    expect(loss.sigmaOptimizer).toBeNull();
    const w = tf.variable(tf.scalar(1.0), true, 'bmse_test_w2');
    const p = pred();
    const y = target();
    const { value, grads } = tf.variableGrads(() => loss.call(tf.mul(p, w), y));
    expect(Object.keys(grads)).toEqual(['bmse_test_w2']);
    expect(loss.applySigmaGradient(grads)).toBe(grads);
    loss.setSigma(2.5);
    expect(loss.noiseVar()).toBeCloseTo(6.25, 5);
    tf.dispose([value, ...Object.values(grads), p, y, w]);
    loss.dispose();
  });

  it('trains σ towards the residual scale on a toy problem without leaking tensors', () => {
    const loss = new BalancedMSELoss({
      impl: 'gai',
      gmm: { means: [0], variances: [100], weights: [1] },
      initNoiseSigma: 0.5,
      sigmaLr: 0.05,
    });
    const p = tf.tensor1d(Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3));
    const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3 + Math.cos(i * 7) * 2));
    const step = () => {
      const { value, grads } = tf.variableGrads(() => loss.call(p, y));
      loss.applySigmaGradient(grads);
      value.dispose();
    };
    step(); // creates Adam's two slots for σ
    const before = tf.memory().numTensors;
    for (let i = 0; i < 60; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(loss.sigma()).toBeGreaterThan(1.2); // from 0.5 the NLL pulls σ up towards the residual scale (std 1.4)
    tf.dispose([p, y]);
    loss.dispose();
  });

  it('construction and setSigma keep exactly one tensor (σ itself); dispose frees it', () => {
    const before = tf.memory().numTensors;
    const loss = new BalancedMSELoss({ impl: 'bmc', initNoiseSigma: 3, learnable: false });
    expect(tf.memory().numTensors).toBe(before + 1);
    loss.setSigma(2);
    loss.setSigma(5);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(loss.sigma()).toBe(5);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the README loop trains a tfjs model and σ together', () => {
    const trainLabels = Array.from({ length: 200 }, (_, i) => 20 + ((i * 37) % 60) * (i % 3 === 0 ? 0.5 : 1));
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    const criterion = new BalancedMSELoss({
      impl: 'gai',
      gmm: fitGmm(trainLabels, 3),
      initNoiseSigma: 10,
      sigmaLr: 0.01,
    });
    const optimizer: tf.Optimizer = tf.train.adam(0.05);
    const x = tf.tensor2d(trainLabels.slice(0, 32).map((v) => [v / 80, 1]));
    const y = tf.tensor2d(trainLabels.slice(0, 32), [32, 1]);
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      const { value, grads } = tf.variableGrads(() =>
        criterion.call(model.apply(x, { training: true }) as tf.Tensor, y),
      );
      optimizer.applyGradients(criterion.applySigmaGradient(grads));
      losses.push(value.dataSync()[0]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[4]).toBeLessThan(losses[0]);
    expect(criterion.sigma()).not.toBe(10);
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
    criterion.dispose();
  });

  it('rejects bad configuration', () => {
    expect(() => new BalancedMSELoss({ impl: 'lds' as 'bmc' })).toThrow(
      /impl must be 'bmc', 'gai' or 'bni', got 'lds'/,
    );
    expect(() => new BalancedMSELoss({ impl: 'gai' })).toThrow(/needs opts.gmm/);
    expect(() => new BalancedMSELoss({ impl: 'bni' })).toThrow(/needs opts.bucketCenters/);
    expect(() => new BalancedMSELoss({ impl: 'bmc', initNoiseSigma: 0 })).toThrow(
      /initNoiseSigma must be a finite number > 0, got 0/,
    );
    const bni = new BalancedMSELoss({ impl: 'bni', bucketCenters: [1], bucketWeights: [1] });
    const p = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    expect(() => bni.call(p, p)).toThrow(/BNI is 1-D only/);
    p.dispose();
    bni.dispose();
  });
});
