/**
 * The notebook's five options plus plain MSE: each is a training loss, the per-sample weights it
 * uses, and the validation metric that picks the best epoch (`--loss l1` ⇒ val L1; `--loss mse` ⇒ val MSE).
 */
import type { tf } from '@bmse/backend';
import { bmcLoss, prepareWeights, weightedL1, weightedMse } from '@bmse/losses';
import { MAX_TARGET } from './data.js';

export interface Method {
  name: string;
  /** how it is described in the tables */
  recipe: string;
  /** per-sample weights of the training labels (mean 1), or null */
  weights(trainLabels: number[]): number[] | null;
  loss(pred: tf.Tensor, target: tf.Tensor, weights: tf.Tensor | undefined): tf.Scalar;
  selectBy: 'l1' | 'mse';
}

// #region methods
const l1 = (p: tf.Tensor, y: tf.Tensor, w?: tf.Tensor) => weightedL1(p, y, w);
const noWeights = () => null;
const weighted =
  (reweight: 'inverse' | 'sqrt_inv', lds = false) =>
  (labels: number[]) =>
    prepareWeights(labels, { reweight, lds, ldsKernel: 'gaussian', ldsKs: 5, ldsSigma: 2, maxTarget: MAX_TARGET });

export const METHODS: Method[] = [
  { name: 'Vanilla', recipe: 'L1 loss (the notebook default)', weights: noWeights, loss: l1, selectBy: 'l1' },
  { name: 'MSE', recipe: 'MSE loss', weights: noWeights, loss: (p, y) => weightedMse(p, y), selectBy: 'mse' },
  {
    name: 'INV',
    recipe: 'L1, inverse-frequency weights (counts clipped to [5, 1000])',
    weights: weighted('inverse'),
    loss: l1,
    selectBy: 'l1',
  },
  { name: 'SQINV', recipe: 'L1, square-root inverse weights', weights: weighted('sqrt_inv'), loss: l1, selectBy: 'l1' },
  {
    name: 'SQINV+LDS',
    recipe: 'L1, SQINV weights of the LDS-smoothed counts (gaussian, ks 5, σ 2)',
    weights: weighted('sqrt_inv', true),
    loss: l1,
    selectBy: 'l1',
  },
  {
    name: 'BMC',
    recipe: 'Balanced MSE (BMC), σ = 8 fixed',
    weights: noWeights,
    loss: (p, y) => bmcLoss(p, y, 8 ** 2),
    selectBy: 'l1',
  },
];
// #endregion methods

export function methodByName(name: string): Method {
  const m = METHODS.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!m) throw new Error(`unknown method '${name}'; allowed: ${METHODS.map((x) => x.name).join(', ')}`);
  return m;
}
