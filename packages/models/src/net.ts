/**
 * `BmseNet`: what `createResNetRegressor` and `createDepthNet` return. A network
 * split as trunk (input → features) + head (features → prediction) so FDS can sit
 * between them (spec §1.7), with named parts for parameter counts and RRT freezing.
 */
import { tf } from '@bmse/backend';
import type { FDS } from './fds/fds.js';
import { BatchNorm2d, type FrozenBnMode } from './layers/batch-norm.js';
import type { ModelSpec } from './spec.js';

export interface ForwardOptions {
  /** training mode: BN uses (and updates) batch statistics; FDS calibrates (default false) */
  training?: boolean;
  /** labels of the batch ([B, 1] ages, or [B, H, W, 1] depths); needed for FDS */
  targets?: tf.Tensor | ArrayLike<number>;
  /** current epoch; needed for FDS */
  epoch?: number;
}

export interface ForwardResult {
  /** [B, outputs] (ResNet) or [B, H/2, W/2, 1] (depth) */
  pred: tf.Tensor;
  /** the features before FDS: [B, F] (ResNet encoding) or [B, H/2, W/2, C] (depth R features) */
  features: tf.Tensor;
  /** the features the head saw (= `features` unless FDS calibrated them) */
  calibrated: tf.Tensor;
}

const statNames = /\/(moving_mean|moving_variance)$/;

export class BmseNet {
  constructor(
    readonly spec: ModelSpec,
    /** input → prediction */
    readonly model: tf.LayersModel,
    /** input → features (everything before the head) */
    readonly trunk: tf.LayersModel,
    /** the final layer: 'linear' (ResNet) or 'R.conv2' (depth) */
    readonly head: tf.layers.Layer,
    /** layers by part: ResNet 'trunk' | 'linear'; depth net 'E' | 'D' | 'MFF' | 'R' */
    readonly parts: ReadonlyMap<string, readonly tf.layers.Layer[]>,
    readonly fds: FDS | null,
  ) {}

  get featureDim(): number {
    const s = this.trunk.outputs[0].shape;
    return s[s.length - 1] as number;
  }

  /** Forward pass (see ForwardOptions); wrap in tf.tidy / optimizer.minimize as usual. */
  forward(x: tf.Tensor, opts: ForwardOptions = {}): ForwardResult {
    const training = opts.training ?? false;
    return tf.tidy(() => {
      const features = this.trunk.apply(x, { training }) as tf.Tensor;
      let calibrated = features;
      if (training && this.fds) {
        if (opts.targets == null || opts.epoch == null) {
          throw new Error('forward: a model with FDS needs `targets` and `epoch` in training mode');
        }
        calibrated = this.fds.smooth(features, opts.targets, opts.epoch);
      }
      const pred = this.head.apply(calibrated) as tf.Tensor;
      return { pred, features, calibrated };
    });
  }

  /** Inference prediction (BN running statistics, no FDS). */
  predict(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.model.apply(x, { training: false }) as tf.Tensor);
  }

  /** The variables an optimizer should update now (respects `setTrainable`). */
  trainableVariables(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** PyTorch-style parameter count (all weights except BN running statistics), optionally of some parts. */
  countParameters(parts?: string[]): number {
    let n = 0;
    for (const [part, layers] of this.parts) {
      if (parts && !parts.includes(part)) continue;
      for (const layer of layers) {
        for (const w of layer.weights)
          if (!statNames.test(w.originalName)) n += w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
      }
    }
    return n;
  }

  /** Parameter count per part, e.g. { E: 23508032, D: 40054400, MFF: 3184128, R: 822913 }. */
  countParametersByPart(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const part of this.parts.keys()) out[part] = this.countParameters([part]);
    return out;
  }

  /** Number of scalars currently trainable. */
  countTrainableParameters(): number {
    return this.trainableVariables().reduce((a, v) => a + v.size, 0);
  }

  /**
   * Makes only `parts` trainable ('all' = everything). Frozen BN layers keep using
   * and updating batch statistics in training mode (`frozenBn: 'train'`, the official
   * RRT behaviour, spec §9.2) unless `frozenBn: 'eval'`.
   */
  setTrainable(parts: string[] | 'all', opts: { frozenBn?: FrozenBnMode } = {}): void {
    const known = [...this.parts.keys()];
    if (parts !== 'all') {
      const unknown = parts.filter((p) => !known.includes(p));
      if (unknown.length)
        throw new Error(`setTrainable: unknown part(s) ${unknown.join(', ')}; this model has ${known.join(', ')}`);
    }
    for (const [part, layers] of this.parts) {
      const on = parts === 'all' || parts.includes(part);
      for (const layer of layers) {
        layer.trainable = on;
        if (layer instanceof BatchNorm2d) layer.frozenMode = opts.frozenBn ?? 'train';
      }
    }
  }

  /** Named weights (canonical names like 'layer1.0.conv1/kernel'), in model order. */
  namedWeights(): { name: string; variable: tf.Variable }[] {
    return this.model.weights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
  }

  dispose(): void {
    this.model.dispose();
    this.fds?.dispose();
  }
}

/** RRT (spec §1.7): ResNet — only 'linear' trains; depth net — only 'R' trains. BN statistics of the frozen trunk still update by default. */
export function freezeForRrt(net: BmseNet, opts: { frozenBn?: FrozenBnMode } = {}): void {
  net.setTrainable(net.spec.kind === 'depth' ? ['R'] : ['linear'], opts);
}
