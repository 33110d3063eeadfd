/**
 * BalancedMSELoss: the loss object a training loop holds (spec §1.5). σ is a scalar tf.Variable
 * initialised from the config; when learnable it is trained by its own optimizer whose learning
 * rate no LR schedule touches (the official code's 'noise_sigma' param group); every forward
 * recomputes s = σ² and restores the MSE scale with a detached 2s.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bmcLoss } from './bmc.js';
import { bmcLossMD } from './bmc-md.js';
import { bniLoss } from './bni.js';
import { fail } from './errors.js';
import { gaiLoss, gaiLossMD } from './gai.js';
import type { GmmParams } from './gmm-params.js';
import type { KernelChoice } from './inputs.js';

export type BalancedMseImpl = 'bmc' | 'gai' | 'bni';

export interface BalancedMSELossOptions {
  impl: BalancedMseImpl;
  /** σ₀ (official --init_noise_sigma, default 1.0; README: 10 for IMDB-WIKI-DIR, 1 for NYUD2-DIR) */
  initNoiseSigma?: number;
  /** learn σ (default true; official --fix_noise_sigma turns it off) */
  learnable?: boolean;
  /** σ's own constant learning rate (official --sigma_lr, default 1e-2) */
  sigmaLr?: number;
  /** σ's optimizer: Adam (default, as the IMDB recipe) or plain SGD */
  sigmaOptimizer?: 'adam' | 'sgd';
  /** GAI: the label GMM */
  gmm?: GmmParams;
  /** BNI: bucket centres and weights (bucketInfo / nyud2BucketInfo) */
  bucketCenters?: number[];
  bucketWeights?: number[];
  /** which implementation computes the 1-D losses (default 'auto') */
  kernel?: KernelChoice;
}

let counter = 0;

export class BalancedMSELoss {
  readonly impl: BalancedMseImpl;
  /** σ (not σ²); trainable iff learnable */
  readonly noiseSigma: tf.Variable;
  readonly learnable: boolean;
  readonly sigmaLr: number;
  /** the optimizer that updates σ alone (null when σ is fixed) */
  readonly sigmaOptimizer: tf.Optimizer | null;
  private readonly opts: BalancedMSELossOptions;

  constructor(opts: BalancedMSELossOptions) {
    const fn = 'BalancedMSELoss';
    if (!opts || !['bmc', 'gai', 'bni'].includes(opts.impl)) {
      fail(fn, `impl must be 'bmc', 'gai' or 'bni', got '${String(opts?.impl)}'`);
    }
    const sigma0 = opts.initNoiseSigma ?? 1.0;
    if (!Number.isFinite(sigma0) || sigma0 <= 0) fail(fn, `initNoiseSigma must be a finite number > 0, got ${sigma0}`);
    const lr = opts.sigmaLr ?? 1e-2;
    if (!Number.isFinite(lr) || lr < 0) fail(fn, `sigmaLr must be a finite number ≥ 0, got ${lr}`);
    if (opts.impl === 'gai' && !opts.gmm) fail(fn, "impl 'gai' needs opts.gmm (fitGmm on the training labels)");
    if (opts.impl === 'bni' && (!opts.bucketCenters || !opts.bucketWeights)) {
      fail(fn, "impl 'bni' needs opts.bucketCenters and opts.bucketWeights (bucketInfo)");
    }
    this.impl = opts.impl;
    this.learnable = opts.learnable ?? true;
    this.sigmaLr = lr;
    this.opts = opts;
    const init = tf.scalar(sigma0);
    this.noiseSigma = tf.variable(init, this.learnable, `noise_sigma_${counter++}`);
    init.dispose(); // the variable holds its own reference to the value
    const kind = opts.sigmaOptimizer ?? 'adam';
    if (kind !== 'adam' && kind !== 'sgd') fail(fn, `sigmaOptimizer must be 'adam' or 'sgd', got '${String(kind)}'`);
    this.sigmaOptimizer = this.learnable ? (kind === 'adam' ? tf.train.adam(lr) : tf.train.sgd(lr)) : null;
  }

  /** The loss for a batch; pred/target [B], [B, 1] or [B, d] (bmc, gai). */
  call(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const s = tf.square(this.noiseSigma); // s = σ², recomputed every forward (spec §1.5)
      const md = pred.rank === 2 && (pred.shape[1] ?? 1) > 1;
      const kernel = { kernel: this.opts.kernel };
      switch (this.impl) {
        case 'bmc':
          return md ? bmcLossMD(pred, target, s, kernel) : bmcLoss(pred, target, s, kernel);
        case 'gai':
          return md
            ? gaiLossMD(pred, target, this.opts.gmm as GmmParams, s)
            : gaiLoss(pred, target, this.opts.gmm as GmmParams, s, kernel);
        default:
          if (md) fail('BalancedMSELoss', `BNI is 1-D only; got pred of shape [${pred.shape.join(', ')}]`);
          return bniLoss(pred, target, this.opts.bucketCenters ?? [], this.opts.bucketWeights ?? [], s, kernel);
      }
    });
  }

  /** σ as a number. */
  sigma(): number {
    return this.noiseSigma.dataSync()[0];
  }

  /** σ² as a number, for logging. */
  noiseVar(): number {
    return this.sigma() ** 2;
  }

  /** Sets σ (e.g. when resuming from a checkpoint). */
  setSigma(value: number): void {
    if (!Number.isFinite(value) || value <= 0)
      fail('BalancedMSELoss.setSigma', `σ must be a finite number > 0, got ${value}`);
    tf.tidy(() => this.noiseSigma.assign(tf.scalar(value)));
  }

  /**
   * Takes σ's gradient out of `grads` (as tf.variableGrads returns them), applies it with σ's own
   * optimizer, and returns the remaining gradients for the model's optimizer. A no-op when σ is fixed.
   */
  applySigmaGradient(grads: tf.NamedTensorMap): tf.NamedTensorMap {
    const name = this.noiseSigma.name;
    const g = grads[name];
    if (g === undefined) return grads;
    const rest: tf.NamedTensorMap = {};
    for (const [k, v] of Object.entries(grads)) if (k !== name) rest[k] = v;
    this.sigmaOptimizer?.applyGradients({ [name]: g });
    g.dispose();
    return rest;
  }

  dispose(): void {
    this.noiseSigma.dispose();
    this.sigmaOptimizer?.dispose();
  }
}
