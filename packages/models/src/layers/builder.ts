/**
 * `NetBuilder`: creates the named tfjs layers of our networks with PyTorch's
 * structure, padding and initialisation, and remembers which part of the network
 * (e.g. 'trunk'/'linear', or 'E'/'D'/'MFF'/'R') each layer belongs to. Layer names
 * mirror PyTorch module paths ('layer1.0.conv1', 'D.up1.bn1_2', …) so PyTorch
 * state dicts map onto them by name.
 */
import { tf } from '@bmse/backend';
import { AddRelu } from './add-relu.js';
import { BatchNorm2d } from './batch-norm.js';
import { TorchConv2d } from './conv2d.js';
import { TorchMaxPool2d } from './max-pool.js';
import { BilinearUpsample } from './upsample.js';

export type Sym = tf.SymbolicTensor;

/**
 * Conv initialisations: 'resnet' = N(0, sqrt(2/n)), n = kh·kw·out (official ResNet,
 * spec §3.1; torchvision's kaiming_normal fan_out is the same); 'torch-default' =
 * PyTorch's Conv2d default U(±1/sqrt(fan_in)) (kaiming_uniform with a = √5).
 */
export type ConvInit = 'resnet' | 'torch-default';

export interface ConvArgs {
  name: string;
  filters: number;
  kernel: number;
  stride?: number;
  /** symmetric zero padding, as PyTorch's `padding=` */
  pad?: number;
  bias?: boolean;
  init?: ConvInit;
}

export class NetBuilder {
  /** current part name; layers created now are recorded under it */
  part = 'trunk';
  readonly parts = new Map<string, tf.layers.Layer[]>();
  private seedCounter = 0;

  constructor(private readonly seed?: number) {}

  /** Never 0: tfjs' Gaussian sampler treats seed 0 as "no seed" (Math.random()). */
  private nextSeed(): number | undefined {
    return this.seed == null ? undefined : this.seed * 1000 + ++this.seedCounter;
  }

  private record<L extends tf.layers.Layer>(layer: L): L {
    const list = this.parts.get(this.part) ?? [];
    list.push(layer);
    this.parts.set(this.part, list);
    return layer;
  }

  private apply(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
    return layer.apply(x) as Sym;
  }

  /** `nn.Conv2d(in, filters, kernel, stride, padding=pad, bias)`, the padding inside the convolution. */
  conv(x: Sym, a: ConvArgs): Sym {
    const stride = a.stride ?? 1;
    const inChannels = x.shape[3] as number;
    const init = a.init ?? 'resnet';
    const fanIn = inChannels * a.kernel * a.kernel;
    const bound = 1 / Math.sqrt(fanIn);
    const kernelInitializer =
      init === 'resnet'
        ? tf.initializers.randomNormal({
            mean: 0,
            stddev: Math.sqrt(2 / (a.kernel * a.kernel * a.filters)),
            seed: this.nextSeed(),
          })
        : tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() });
    const layer = new TorchConv2d({
      name: a.name,
      filters: a.filters,
      kernelSize: a.kernel,
      strides: stride,
      pad: a.pad ?? 0,
      useBias: a.bias ?? false,
      kernelInitializer,
      biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() }),
    });
    return this.apply(this.record(layer), x);
  }

  /** `nn.BatchNorm2d` (γ = 1, β = 0, momentum 0.1, eps 1e-5). */
  bn(x: Sym, name: string): Sym {
    return this.apply(this.record(new BatchNorm2d({ name })), x);
  }

  /** `nn.BatchNorm2d` then `nn.ReLU`, as one layer (the ReLU fused into batch norm's training op). */
  bnRelu(x: Sym, name: string): Sym {
    return this.apply(this.record(new BatchNorm2d({ name, relu: true })), x);
  }

  /** relu(a + b): a residual sum and its ReLU as one layer (one fused op). */
  addRelu(xs: [Sym, Sym], name: string): Sym {
    return this.apply(new AddRelu({ name }), xs);
  }

  concat(xs: Sym[], name: string): Sym {
    return this.apply(tf.layers.concatenate({ name, axis: -1 }), xs);
  }

  /** `nn.MaxPool2d(k, stride, padding)`, the padding inside the pooling (padded positions never win). */
  maxPool(x: Sym, name: string, k: number, stride: number, pad: number): Sym {
    return this.apply(new TorchMaxPool2d({ name, poolSize: k, strides: stride, pad }), x);
  }

  globalAvgPool(x: Sym, name: string): Sym {
    return this.apply(tf.layers.globalAveragePooling2d({ name }), x);
  }

  /** `F.interpolate(x, size, mode='bilinear')` (align_corners false unless asked). */
  upsample(x: Sym, name: string, size: [number, number], alignCorners = false): Sym {
    return this.apply(new BilinearUpsample({ name, size, alignCorners }), x);
  }

  /** `nn.Linear(in, units)` with PyTorch's default init U(±1/sqrt(in)) for weight and bias (spec §3.1). */
  linear(x: Sym, name: string, units: number): Sym {
    const bound = 1 / Math.sqrt(x.shape[x.shape.length - 1] as number);
    const layer = tf.layers.dense({
      name,
      units,
      kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() }),
      biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() }),
    });
    return this.apply(this.record(layer), x);
  }
}
