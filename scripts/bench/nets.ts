/**
 * The networks the backend benchmark trains: a 3-conv net (conv 3x3 32/64/128
 * channels, strides 1/2/2, ReLU, global average pooling, one linear output), a plain
 * tf.layers net as users write it (conv 3x3 16/32/64 + ReLU, each followed by 2x2 max
 * pooling, flatten, one dense output; trained with compile + trainOnBatch and SGD), a MobileNet-style
 * depthwise-separable net (conv 3x3 32, then separable convs 64, 128 stride 2, 128, ReLU, global average
 * pooling, dense; also trainOnBatch + SGD) and the
 * ResNet-18/50 regressors of @bmse/models (torchvision structure).
 * `torch_backend.py` builds the same networks in PyTorch.
 */
import { tf } from '@bmse/backend';
import { createResNetRegressor } from '@bmse/models';

export type NetName = 'conv3' | 'plain' | 'separable' | 'resnet18' | 'resnet50';

/** The nets trained as tf.layers users train them: compile + trainOnBatch with SGD. */
export const layersNets: readonly string[] = ['plain', 'separable'];

function conv3(inputShape: [number, number, number]): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  let x = input;
  for (const [filters, stride] of [
    [32, 1],
    [64, 2],
    [128, 2],
  ]) {
    // PyTorch pads 1 on both sides; tfjs 'same' pads 0/1 for stride 2 on even sizes: same shapes and cost
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, strides: stride, padding: 'same', activation: 'relu' })
      .apply(x) as tf.SymbolicTensor;
  }
  const features = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 1 }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

/** A plain tf.sequential conv net, compiled with SGD and MSE (trained with trainOnBatch). */
function plain(inputShape: [number, number, number]): tf.LayersModel {
  const model = tf.sequential();
  for (const [i, filters] of [16, 32, 64].entries()) {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
    );
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 1 }));
  model.compile({ optimizer: tf.train.sgd(1e-3), loss: 'meanSquaredError' });
  return model;
}

/** A MobileNet-style depthwise-separable net as tf.layers users write it, compiled with SGD and MSE. */
function separable(inputShape: [number, number, number]): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape, filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  for (const [filters, strides] of [
    [64, 1],
    [128, 2],
    [128, 1],
  ]) {
    model.add(tf.layers.separableConv2d({ filters, kernelSize: 3, strides, padding: 'same', activation: 'relu' }));
  }
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: 1 }));
  model.compile({ optimizer: tf.train.sgd(1e-3), loss: 'meanSquaredError' });
  return model;
}

export function buildNet(name: NetName, inputShape: [number, number, number]): tf.LayersModel {
  if (name === 'conv3') return conv3(inputShape);
  if (name === 'plain') return plain(inputShape);
  if (name === 'separable') return separable(inputShape);
  return createResNetRegressor({ depth: name === 'resnet18' ? 18 : 50, inputShape, seed: 1 }).model;
}
