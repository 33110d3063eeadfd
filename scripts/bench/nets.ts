/**
 * The networks the backend benchmark trains: a 3-conv net (conv 3x3 32/64/128
 * channels, strides 1/2/2, ReLU, global average pooling, one linear output) and
 * the ResNet-18/50 regressors of @bmse/models (torchvision structure).
 * `torch_backend.py` builds the same networks in PyTorch.
 */
import { tf } from '@bmse/backend';
import { createResNetRegressor } from '@bmse/models';

export type NetName = 'conv3' | 'resnet18' | 'resnet50';

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

export function buildNet(name: NetName, inputShape: [number, number, number]): tf.LayersModel {
  if (name === 'conv3') return conv3(inputShape);
  return createResNetRegressor({ depth: name === 'resnet18' ? 18 : 50, inputShape, seed: 1 }).model;
}
