/** One run of the notebook's `main()`: train FCNet for 10 epochs, keep the best epoch by validation, test it. */
import { tf } from '@bmse/backend';
import seedrandom from 'seedrandom';
import type { BostonHousing } from './data.js';
import { type ShotTable, shotTable } from './evaluate.js';
import type { Method } from './methods.js';
import { fcNet } from './model.js';
import type { Split } from './split.js';

export interface TrainOptions {
  seed: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** called after every epoch with the validation metric that selects the best epoch */
  onEpoch?: (epoch: number, trainLoss: number, valMetric: number) => void;
}

export interface RunResult {
  method: string;
  seed: number;
  bestEpoch: number;
  val: ShotTable;
  test: ShotTable;
  /** test predictions of the best epoch, in split.test order */
  testPreds: number[];
}

const rows = (a: number[][], idx: number[]) => idx.map((i) => a[i]);
const pick = (a: number[], idx: number[]) => idx.map((i) => a[i]);

function predict(model: tf.Sequential, x: number[][]): number[] {
  return tf.tidy(() => Array.from((model.predict(tf.tensor2d(x)) as tf.Tensor).dataSync()));
}

// #region train
export function trainMethod(method: Method, data: BostonHousing, split: Split, opts: TrainOptions): RunResult {
  const { seed, epochs = 10, batchSize = 64, lr = 1e-3 } = opts;
  const trainY = pick(data.medv, split.train);
  const x = tf.tensor2d(rows(data.features, split.train));
  const y = tf.tensor2d(trainY, [trainY.length, 1]);
  const weights = method.weights(trainY);
  const w = weights ? tf.tensor2d(weights, [weights.length, 1]) : undefined;
  const model = fcNet(seed);
  const optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-8); // torch.optim.Adam's defaults
  const shuffle = seedrandom(`shuffle-${seed}`);
  let best = {
    metric: Number.POSITIVE_INFINITY,
    epoch: -1,
    val: null as ShotTable | null,
    test: null as ShotTable | null,
    preds: [] as number[],
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = Int32Array.from(trainY, (_, i) => i); // shuffle=True, from a seeded stream
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(shuffle() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const idx = tf.tensor1d(order.slice(start, start + batchSize), 'int32'); // the last partial batch is kept
      const loss = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const pred = model.apply(tf.gather(x, idx), { training: true }) as tf.Tensor;
            return method.loss(pred, tf.gather(y, idx), w && tf.gather(w, idx));
          }),
        true,
      ) as tf.Scalar;
      lossSum += loss.dataSync()[0] * idx.size;
      tf.dispose([loss, idx]);
    }
    const val = shotTable(predict(model, rows(data.features, split.val)), pick(data.medv, split.val), trainY);
    const metric = method.selectBy === 'mse' ? val.all.mse : val.all.l1;
    opts.onEpoch?.(epoch, lossSum / order.length, metric);
    if (metric < best.metric) {
      const preds = predict(model, rows(data.features, split.test)); // = testing the saved best checkpoint
      best = { metric, epoch, val, test: shotTable(preds, pick(data.medv, split.test), trainY), preds };
    }
  }
  tf.dispose([x, y, ...(w ? [w] : [])]);
  model.dispose();
  optimizer.dispose();
  return {
    method: method.name,
    seed,
    bestEpoch: best.epoch + 1,
    val: best.val as ShotTable,
    test: best.test as ShotTable,
    testPreds: best.preds,
  };
}
// #endregion train
