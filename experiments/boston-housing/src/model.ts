/** FCNet of the official notebook: Linear 13→256, ReLU, 256→256, ReLU, 256→256, ReLU, 256→1 (spec §2.4). */
import { tf } from '@bmse/backend';

// #region model
/** PyTorch's nn.Linear initialisation: weight and bias ~ U(−1/√fan_in, 1/√fan_in). */
function torchLinear(units: number, fanIn: number, seed: number, activation?: 'relu'): tf.layers.Layer {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.layers.dense({
    units,
    activation,
    inputShape: [fanIn],
    kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed }),
    biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seed + 1 }),
  });
}

export function fcNet(seed: number, inputs = 13, hidden = [256, 256, 256]): tf.Sequential {
  const layers = hidden.map((units, i) => torchLinear(units, i === 0 ? inputs : hidden[i - 1], seed + 2 * i, 'relu'));
  layers.push(torchLinear(1, hidden[hidden.length - 1], seed + 2 * hidden.length));
  return tf.sequential({ layers });
}
// #endregion model
