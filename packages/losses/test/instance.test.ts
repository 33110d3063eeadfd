/** The monorepo's one-instance rule: the peer @tensorflow/tfjs-core the losses import is @bmse/backend's. */
import { tf } from '@bmse/backend';
import * as core from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { bmcLoss } from '../src/index.js';
import { setup } from './helpers.js';

it('losses and @bmse/backend share one tfjs engine', async () => {
  await setup();
  expect(core.Tensor).toBe(tf.Tensor);
  expect(core.engine()).toBe(tf.engine());
  const loss = bmcLoss(tf.tensor2d([[1], [2], [4]]), tf.tensor2d([[1.5], [2], [3]]), 1);
  expect(loss.dataSync()[0]).toBeCloseTo(1.1873056197546283, 5); // PyTorch float64, fixtures/torch-losses.json bmc68_1.0
});
