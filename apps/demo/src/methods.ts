/**
 * The regressors trained side by side: a linear model per method (1-D: y = w·x + b; 2-D: y = W·x + b),
 * each with its own Adam optimizer, and the losses of @bmse/losses: MSE, Reweight (inverse bin
 * frequency), Balanced MSE by BMC and by GAI, with σ fixed at the true noise σ or learnable (σ₀ = 1.5σ).
 */

import { BalancedMSELoss, fitGmm, weightedMse } from '@bmse/losses';
import * as tf from '@tensorflow/tfjs';
import { binCountsOf, binOfLabel, NOISE_SIGMA, type Sample } from './data.js';

export type MethodName = 'MSE' | 'Reweight' | 'BMC' | 'GAI';
export const METHOD_NAMES: MethodName[] = ['MSE', 'Reweight', 'BMC', 'GAI'];
export const METHOD_COLORS: Record<MethodName | 'Oracle', string> = {
  Oracle: '#444444',
  MSE: '#e45756',
  Reweight: '#f58518',
  BMC: '#4c78a8',
  GAI: '#54a24b',
};

export interface TrainSettings {
  learnableSigma: boolean;
  lr: number;
  batchSize: number;
}

export interface Regressor {
  name: MethodName;
  w: tf.Variable;
  b: tf.Variable;
  optimizer: tf.Optimizer;
  criterion: BalancedMSELoss | null;
  /** per-sample weights (Reweight) */
  weights: tf.Tensor2D | null;
}

/** Reweight: 1 / (training count of the label's bin), normalised to mean 1. */
export function inverseBinWeights(y: number[][]): number[] {
  const counts = binCountsOf(y);
  const raw = y.map((row) => 1 / counts[binOfLabel(row[0])]);
  const scale = raw.length / raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w * scale);
}

export function createRegressors(train: Sample, settings: TrainSettings, seed: number): Regressor[] {
  const dims = train.y[0].length;
  const sigma0 = settings.learnableSigma ? 1.5 * NOISE_SIGMA : NOISE_SIGMA;
  const gmm = fitGmm(dims === 1 ? train.y.map((r) => r[0]) : train.y, 8, { seed }).toJSON();
  return METHOD_NAMES.map((name, i) => {
    const init = tf.randomNormal([dims, dims], 0, 0.1, 'float32', seed * 10 + i);
    const regressor: Regressor = {
      name,
      w: tf.variable(init, true, `demo_w_${name}_${seed}_${Date.now()}`),
      b: tf.variable(tf.zeros([dims]), true, `demo_b_${name}_${seed}_${Date.now()}`),
      optimizer: tf.train.adam(settings.lr),
      criterion:
        name === 'BMC' || name === 'GAI'
          ? new BalancedMSELoss({
              impl: name === 'BMC' ? 'bmc' : 'gai',
              gmm,
              initNoiseSigma: sigma0,
              learnable: settings.learnableSigma,
              sigmaLr: 1e-2,
            })
          : null,
      weights: name === 'Reweight' ? tf.tensor2d(inverseBinWeights(train.y), [train.y.length, 1]) : null,
    };
    init.dispose();
    return regressor;
  });
}

export function predictTensor(r: Regressor, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, r.w), r.b);
}

/** One optimisation step on a batch (rows of the training tensors picked by idx); no read-back, so the GPU is not stalled. */
export function step(r: Regressor, x: tf.Tensor2D, y: tf.Tensor2D, idx: tf.Tensor1D): void {
  const { value, grads } = tf.variableGrads(() =>
    tf.tidy(() => {
      const xb = tf.gather(x, idx) as tf.Tensor2D;
      const yb = tf.gather(y, idx) as tf.Tensor2D;
      const pred = predictTensor(r, xb);
      if (r.criterion) return r.criterion.call(pred, yb);
      return weightedMse(pred, yb, r.weights ? tf.gather(r.weights, idx) : undefined);
    }),
  );
  const rest = r.criterion ? r.criterion.applySigmaGradient(grads) : grads;
  r.optimizer.applyGradients(rest);
  tf.dispose([value, ...Object.values(rest)]);
}

export function disposeRegressor(r: Regressor): void {
  tf.dispose([r.w, r.b, ...(r.weights ? [r.weights] : [])]);
  r.optimizer.dispose();
  r.criterion?.dispose();
}

/** 1-D: slope and intercept of the fitted line. */
export function line(r: Regressor): { slope: number; intercept: number } {
  return { slope: r.w.dataSync()[0], intercept: r.b.dataSync()[0] };
}
