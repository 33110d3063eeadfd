/**
 * The networks the backend benchmark trains: a 3-conv net and ResNet-18/50
 * regressors (torchvision layout: conv-BN-ReLU, bias-free convs, BasicBlock
 * [2,2,2,2] / Bottleneck [3,4,6,3] with the stride on the 3x3 conv, global average
 * pooling, one linear output). Built with tfjs-layers; `torch_backend.py` builds the
 * same shapes in PyTorch. Padding is tfjs 'same' (for stride 2 on even sizes it pads
 * 0/1 where PyTorch pads 1/1: same shapes and cost, shifted alignment).
 */
import { tf } from '@bmse/backend';

export type NetName = 'conv3' | 'resnet18' | 'resnet50';

function convBn(
  x: tf.SymbolicTensor,
  filters: number,
  kernel: number,
  stride: number,
  relu: boolean,
): tf.SymbolicTensor {
  let y = tf.layers
    .conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false })
    .apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(y) as tf.SymbolicTensor;
  return relu ? (tf.layers.reLU().apply(y) as tf.SymbolicTensor) : y;
}

function basicBlock(x: tf.SymbolicTensor, planes: number, stride: number): tf.SymbolicTensor {
  const inPlanes = x.shape[3] as number;
  let y = convBn(x, planes, 3, stride, true);
  y = convBn(y, planes, 3, 1, false);
  const shortcut = stride !== 1 || inPlanes !== planes ? convBn(x, planes, 1, stride, false) : x;
  return tf.layers.reLU().apply(tf.layers.add().apply([y, shortcut])) as tf.SymbolicTensor;
}

function bottleneck(x: tf.SymbolicTensor, planes: number, stride: number): tf.SymbolicTensor {
  const inPlanes = x.shape[3] as number;
  let y = convBn(x, planes, 1, 1, true);
  y = convBn(y, planes, 3, stride, true);
  y = convBn(y, planes * 4, 1, 1, false);
  const shortcut = stride !== 1 || inPlanes !== planes * 4 ? convBn(x, planes * 4, 1, stride, false) : x;
  return tf.layers.reLU().apply(tf.layers.add().apply([y, shortcut])) as tf.SymbolicTensor;
}

function resnet(input: tf.SymbolicTensor, block: 'basic' | 'bottleneck', layers: number[]): tf.SymbolicTensor {
  let x = convBn(input, 64, 7, 2, true);
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  layers.forEach((count, stage) => {
    const planes = 64 * 2 ** stage;
    for (let i = 0; i < count; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      x = block === 'basic' ? basicBlock(x, planes, stride) : bottleneck(x, planes, stride);
    }
  });
  return tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
}

export function buildNet(name: NetName, inputShape: [number, number, number]): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  let features: tf.SymbolicTensor;
  if (name === 'conv3') {
    let x = input;
    for (const [filters, stride] of [
      [32, 1],
      [64, 2],
      [128, 2],
    ]) {
      x = tf.layers
        .conv2d({ filters, kernelSize: 3, strides: stride, padding: 'same', activation: 'relu' })
        .apply(x) as tf.SymbolicTensor;
    }
    features = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  } else {
    features = resnet(
      input,
      name === 'resnet18' ? 'basic' : 'bottleneck',
      name === 'resnet18' ? [2, 2, 2, 2] : [3, 4, 6, 3],
    );
  }
  const output = tf.layers.dense({ units: 1 }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}
