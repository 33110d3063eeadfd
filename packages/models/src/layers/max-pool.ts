/**
 * `TorchMaxPool2d`: PyTorch's `nn.MaxPool2d(k, stride, padding)` as one tfjs layer (channels last).
 * The padding goes into the pooling itself (tfjs' explicit padding: padded positions never win, as
 * PyTorch's −inf padding), not into a separate pad layer whose gradient is a Slice of the whole
 * activation (the ResNet stem; issue #15). Where a backend lacks explicit-padding pooling (tfjs-node's
 * `tensorflow`) it pads first with −∞, the same values.
 */
import { tf } from '@bmse/backend';
import { torchPadding } from './conv2d.js';

export interface TorchMaxPool2dArgs {
  name: string;
  poolSize: number;
  strides: number;
  pad?: number;
}

const NO_EXPLICIT_PADDING_POOLING = new Set(['tensorflow']);

export class TorchMaxPool2d extends tf.layers.Layer {
  static readonly className = 'BmseMaxPool2d';
  readonly poolSize: number;
  readonly strides: number;
  readonly pad: number;

  constructor(args: TorchMaxPool2dArgs) {
    super({ name: args.name });
    this.poolSize = args.poolSize;
    this.strides = args.strides;
    this.pad = args.pad ?? 0;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    // PyTorch (ceil_mode false): floor((n + 2·pad − k) / stride) + 1
    const out = (n: number | null) =>
      n == null ? null : Math.floor((n + 2 * this.pad - this.poolSize) / this.strides) + 1;
    return [s[0], out(s[1]), out(s[2]), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let padding = torchPadding([x.shape[1], x.shape[2]], this.poolSize, this.strides, this.pad);
      if (typeof padding !== 'string' && NO_EXPLICIT_PADDING_POOLING.has(tf.getBackend())) {
        x = tf.pad(x, padding, Number.NEGATIVE_INFINITY);
        padding = 'valid';
      }
      return tf.maxPool(x, this.poolSize, this.strides, padding);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, pad: this.pad };
  }
}
tf.serialization.registerClass(TorchMaxPool2d);
