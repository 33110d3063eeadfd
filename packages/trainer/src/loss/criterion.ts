/**
 * The training criterion of a run: a DIR baseline loss with per-sample / per-pixel weights
 * (spec §1.7), or Balanced MSE (spec §1.2–§1.5) with σ in its own optimizer group. For depth,
 * Balanced MSE sees only the pixels whose ground truth is ≥ bmse.minDepth (spec §4.2).
 */
import { readFileSync } from 'node:fs';
import { tf } from '@bmse/backend';
import {
  BalancedMSELoss,
  bucketInfo,
  fitGmm,
  focalL1,
  focalMse,
  type GmmParams,
  gmmFromJSON,
  huberLoss,
  nyud2BucketInfo,
  nyud2GmmPseudoLabels,
  weightedL1,
  weightedMse,
} from '@bmse/losses';
import { ConfigError } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import type { TaskData } from '../data/task-data.js';

export interface Criterion {
  /** the Balanced MSE loss object (σ), or null for a plain criterion */
  readonly balanced: BalancedMSELoss | null;
  /** what it is, for the log */
  readonly description: string;
  /**
   * Loss of a batch. `keep` (depth + Balanced MSE) are the flat pixel indices the loss sees;
   * compute them with `balancedPixels` outside the gradient closure.
   */
  loss(pred: tf.Tensor, target: tf.Tensor, weights?: tf.Tensor, keep?: tf.Tensor1D): tf.Scalar;
  dispose(): void;
}

/**
 * Flat indices of the pixels with depth ≥ minDepth (spec §4.2), or null when there is none. `depth`:
 * the values (`await t.data()`; the trainer reads them so on every backend) or a tensor whose values
 * are on the host (read with dataSync: not a webgpu tensor a kernel produced).
 */
export function balancedPixels(depth: tf.Tensor | ArrayLike<number>, minDepth: number): tf.Tensor1D | null {
  const d = depth instanceof tf.Tensor ? depth.dataSync() : depth;
  const idx: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i] >= minDepth) idx.push(i);
  return idx.length ? tf.tensor1d(idx, 'int32') : null;
}

/**
 * `gather(flat, keep)` whose gradient is a ScatterNd (tfjs' own Gather gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks). `keep` holds distinct indices.
 */
export function gatherPixels(flat: tf.Tensor1D, keep: tf.Tensor1D): tf.Tensor1D {
  const n = flat.shape[0];
  const op = tf.customGrad(((x: tf.Tensor) => {
    return {
      value: tf.gather(x, keep),
      gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.reshape(keep, [-1, 1]), dy, [n]),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(flat) as tf.Tensor1D;
}

function loadGmm(c: RunConfig, data: TaskData): GmmParams {
  if (c.bmse.gmm) {
    try {
      return gmmFromJSON(readFileSync(c.bmse.gmm, 'utf8'));
    } catch (e) {
      throw new ConfigError(`bmse.gmm: cannot use ${c.bmse.gmm}: ${(e as Error).message}`);
    }
  }
  // official preprocess_gmm.py: sklearn GMM on the training labels (depth: pseudo-labels count // 1e6, spec §1.2)
  if (data.family === 'depth') return fitGmm(nyud2GmmPseudoLabels(), c.bmse.gmmK, { seed: 0 });
  if (data.family === 'linear') return fitGmm(data.trainTargets, c.bmse.gmmK, { seed: 0 });
  return fitGmm(data.trainLabels, c.bmse.gmmK, { seed: 0 });
}

function balancedLoss(c: RunConfig, data: TaskData): BalancedMSELoss {
  const impl = c.bmse.impl;
  const opts = {
    impl,
    initNoiseSigma: c.bmse.initNoiseSigma,
    learnable: !c.bmse.fixNoiseSigma,
    sigmaLr: c.bmse.sigmaLr,
  };
  if (impl === 'gai') return new BalancedMSELoss({ ...opts, gmm: loadGmm(c, data) });
  if (impl === 'bni') {
    const lds = { lds: c.lds.enabled, ldsKernel: c.lds.kernel, ldsKs: c.lds.ks, ldsSigma: c.lds.sigma };
    // spec §1.4: age bins = integer labels; NYUD2 = the 100 depth bins of the training pixel histogram
    const info =
      data.family === 'depth' ? nyud2BucketInfo({ reweight: c.reweight, ...lds }) : bucketInfo(data.trainLabels, lds);
    return new BalancedMSELoss({ ...opts, bucketCenters: info.centers, bucketWeights: info.weights });
  }
  return new BalancedMSELoss(opts);
}

export function createCriterion(c: RunConfig, data: TaskData): Criterion {
  if (c.bmse.enabled) {
    const b = balancedLoss(c, data);
    const sigma = `σ₀ = ${c.bmse.initNoiseSigma}${c.bmse.fixNoiseSigma ? ' fixed' : `, learnable at lr ${c.bmse.sigmaLr}`}`;
    return {
      balanced: b,
      description: `Balanced MSE (${c.bmse.impl.toUpperCase()}, ${sigma})`,
      loss(pred, target, _w, keep) {
        return tf.tidy(() => {
          if (data.family !== 'depth') return b.call(pred, target);
          if (!tf.util.arraysEqual(pred.shape, target.shape))
            throw new Error(`Balanced MSE on depth: prediction [${pred.shape}] and target [${target.shape}] differ`);
          if (!keep) return tf.scalar(0);
          const p = gatherPixels(tf.reshape(pred, [-1]), keep).reshape([-1, 1]);
          const y = tf.gather(tf.reshape(target, [-1]), keep).reshape([-1, 1]);
          return b.call(p, y);
        });
      },
      dispose: () => b.dispose(),
    };
  }
  const { name, focalBeta, focalGamma, huberBeta } = c.loss;
  const weighted = c.reweight === 'none' ? '' : ` weighted ${c.reweight}${c.lds.enabled ? ' + LDS' : ''}`;
  return {
    balanced: null,
    description: `${name}${weighted}`,
    loss(pred, target, weights) {
      switch (name) {
        case 'mse':
          return weightedMse(pred, target, weights);
        case 'l1':
          return weightedL1(pred, target, weights);
        case 'focal_l1':
          return focalL1(pred, target, { weights, beta: focalBeta, gamma: focalGamma });
        case 'focal_mse':
          return focalMse(pred, target, { weights, beta: focalBeta, gamma: focalGamma });
        default:
          return huberLoss(pred, target, { weights, beta: huberBeta });
      }
    },
    dispose: () => {},
  };
}
