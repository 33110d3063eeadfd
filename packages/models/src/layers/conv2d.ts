/**
 * `TorchConv2d`: PyTorch's `nn.Conv2d(in, filters, kernel, stride, padding=pad, bias)` as one tfjs
 * layer (channels last, no dilation, no groups). The symmetric zero padding goes into the convolution
 * itself (tfjs' explicit padding), not into a separate pad layer: no padded copy of the activations in
 * the forward pass and no Slice of their gradient in the backward one (stride-2 ResNet convs and the
 * depth net's 5x5 convs; issue #15). tfjs' own Conv2D only knows 'same' (0/1 for stride 2 on even
 * sizes, PyTorch pads 1/1) and 'valid'. Where a backend lacks explicit-padding gradients
 * (tfjs-node's `tensorflow`) it pads first, with the same values. Weight names as tfjs' Conv2D:
 * kernel [k, k, in, filters], bias [filters].
 */
import { tf } from '@bmse/backend';

type LayerVariable = ReturnType<tf.layers.Layer['addWeight']>;
type Initializer = ReturnType<typeof tf.initializers.zeros>;

export interface TorchConv2dArgs {
  name: string;
  filters: number;
  kernelSize: number;
  strides?: number;
  /** zero padding on every side (PyTorch's `padding=`) */
  pad?: number;
  useBias?: boolean;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

/** Backends whose convolution gradients take only 'same' / 'valid' padding. */
const NO_EXPLICIT_PADDING_GRADIENTS = new Set(['tensorflow']);

/** What tf.conv2d gets for PyTorch's symmetric `pad`: 'valid', 'same' where it pads alike, else explicit. */
export function torchPadding(
  inputSize: [number, number],
  kernel: number,
  stride: number,
  pad: number,
): 'valid' | 'same' | tf.backend_util.ExplicitPadding {
  if (pad === 0) return 'valid';
  const sameAlike = inputSize.every((n) => {
    // tfjs 'same': out = ceil(n / s), total padding max((out - 1)·s + k − n, 0), the odd one at the end
    const total = Math.max((Math.ceil(n / stride) - 1) * stride + kernel - n, 0);
    return Math.floor(total / 2) === pad && total - Math.floor(total / 2) === pad;
  });
  if (sameAlike) return 'same';
  return [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ];
}

export class TorchConv2d extends tf.layers.Layer {
  static readonly className = 'BmseConv2d';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly pad: number;
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private kernel!: LayerVariable;
  private bias: LayerVariable | null = null;

  constructor(args: TorchConv2dArgs) {
    super({ name: args.name });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.pad = args.pad ?? 0;
    this.useBias = args.useBias ?? false;
    // a model read back from its topology gets its weights from the checkpoint: zeros until then
    this.kernelInitializer = args.kernelInitializer ?? tf.initializers.zeros();
    this.biasInitializer = args.biasInitializer ?? tf.initializers.zeros();
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[3];
    if (channels == null) throw new Error(`${this.name}: the channel dimension must be known, got [${shape}]`);
    const k = this.kernelSize;
    this.kernel = this.addWeight('kernel', [k, k, channels, this.filters], 'float32', this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', this.biasInitializer);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    // PyTorch: floor((n + 2·pad − k) / stride) + 1
    const out = (n: number | null) =>
      n == null ? null : Math.floor((n + 2 * this.pad - this.kernelSize) / this.strides) + 1;
    return [s[0], out(s[1]), out(s[2]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let padding = torchPadding([x.shape[1], x.shape[2]], this.kernelSize, this.strides, this.pad);
      if (typeof padding !== 'string' && NO_EXPLICIT_PADDING_GRADIENTS.has(tf.getBackend())) {
        x = tf.pad(x, padding);
        padding = 'valid';
      }
      const filter = this.kernel.read() as tf.Tensor4D;
      if (!this.bias) return tf.conv2d(x, filter, this.strides, padding);
      // one FusedConv2D (conv + bias), as tfjs' Conv2D layer emits it
      return tf.fused.conv2d({ x, filter, strides: this.strides, pad: padding, bias: this.bias.read() });
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      pad: this.pad,
      useBias: this.useBias,
    };
  }
}
tf.serialization.registerClass(TorchConv2d);
