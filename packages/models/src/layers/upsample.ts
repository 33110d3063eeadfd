/**
 * Bilinear resizing with PyTorch's `F.interpolate(mode='bilinear')` semantics
 * (`align_corners` false: source = (dst + 0.5)·in/out − 0.5 clamped at 0; true:
 * source = dst·(in − 1)/(out − 1)), written as two matrix products so it is exact
 * and differentiable on every tfjs backend. `BilinearUpsample` is the layer form
 * used inside the depth network (spec §3.2, align_corners false).
 */
import { tf } from '@bmse/backend';

/** Row-major [outSize, inSize] interpolation matrix along one axis. */
export function interpolationMatrix(inSize: number, outSize: number, alignCorners: boolean): Float32Array {
  if (!(inSize > 0 && outSize > 0))
    throw new Error(`interpolationMatrix: sizes must be positive, got ${inSize} -> ${outSize}`);
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    let src: number;
    if (alignCorners) src = outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0;
    else src = Math.max(((o + 0.5) * inSize) / outSize - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const l = src - i0;
    m[o * inSize + i0] += 1 - l;
    m[o * inSize + i1] += l;
  }
  return m;
}

/** Resizes NHWC `x` to `size` = [H', W'] like PyTorch's bilinear `F.interpolate`. */
export function resizeBilinearTorch(x: tf.Tensor4D, size: [number, number], alignCorners: boolean): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const [ho, wo] = size;
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    if (ho !== h) {
      const a = tf.tensor3d(interpolationMatrix(h, ho, alignCorners), [1, ho, h]);
      y = tf.matMul(a, tf.reshape(y, [b, h, w * c])).reshape([b, ho, w, c]);
    }
    if (wo !== w) {
      const a = tf.tensor3d(interpolationMatrix(w, wo, alignCorners), [1, wo, w]);
      y = tf.matMul(a, tf.reshape(y, [b * ho, w, c])).reshape([b, ho, wo, c]);
    }
    return y === x ? tf.clone(x) : (y as tf.Tensor4D);
  });
}

export interface BilinearUpsampleArgs {
  name: string;
  size: [number, number];
  alignCorners?: boolean;
}

export class BilinearUpsample extends tf.layers.Layer {
  static readonly className = 'BmseBilinearUpsample';
  readonly size: [number, number];
  readonly alignCorners: boolean;

  constructor(args: BilinearUpsampleArgs) {
    super({ name: args.name });
    this.size = args.size;
    this.alignCorners = args.alignCorners ?? false;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0], this.size[0], this.size[1], s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return resizeBilinearTorch(x, this.size, this.alignCorners);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size, alignCorners: this.alignCorners };
  }
}
tf.serialization.registerClass(BilinearUpsample);
