/**
 * `BatchNorm2d`: PyTorch's `nn.BatchNorm2d` as a tfjs layer (channels last). In
 * training it normalises with the batch statistics and updates the running
 * statistics with PyTorch's momentum convention and the unbiased batch variance
 * (`running = (1 - m)·running + m·batch`, m = 0.1); in inference it uses the
 * running statistics. Unlike tfjs' own layer the moving-variance update uses n/(n-1)
 * like PyTorch. Weight names follow tfjs: gamma, beta, moving_mean, moving_variance. With `relu` the
 * layer is `nn.BatchNorm2d` followed by `nn.ReLU`, the ReLU fused into the training op.
 */
import { batchNormInference, batchNormTraining, tf, updateRunningAverage } from '@bmse/backend';

type LayerVariable = ReturnType<tf.layers.Layer['addWeight']>;

export interface BatchNorm2dArgs {
  name: string;
  /** PyTorch momentum (weight of the new batch statistics); default 0.1 */
  momentum?: number;
  epsilon?: number;
  trainable?: boolean;
  /** apply ReLU to the output, fused into the batch norm when training (`nn.BatchNorm2d` then `nn.ReLU`) */
  relu?: boolean;
}

/**
 * What a BN layer does in training mode while it is frozen (`trainable = false`):
 * 'train' (the official RRT behaviour, spec §9.2): batch statistics and running
 * statistics keep updating, exactly as PyTorch's `train()` mode; 'eval': it behaves
 * as in inference (running statistics, no update).
 */
export type FrozenBnMode = 'train' | 'eval';

export class BatchNorm2d extends tf.layers.Layer {
  static readonly className = 'BmseBatchNorm2d';
  readonly momentum: number;
  readonly epsilon: number;
  readonly relu: boolean;
  frozenMode: FrozenBnMode = 'train';
  private gamma!: LayerVariable;
  private beta!: LayerVariable;
  private movingMean!: LayerVariable;
  private movingVariance!: LayerVariable;

  constructor(args: BatchNorm2dArgs) {
    super({ name: args.name, trainable: args.trainable ?? true });
    this.momentum = args.momentum ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-5;
    this.relu = args.relu ?? false;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`${this.name}: the channel dimension must be known, got [${shape}]`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight(
      'moving_variance',
      [channels],
      'float32',
      tf.initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  /** Whether a call with `training` uses batch statistics (and updates the running ones). */
  usesBatchStats(training: boolean): boolean {
    return training && (this.trainable || this.frozenMode === 'train');
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const gamma = this.gamma.read() as tf.Tensor1D;
    const beta = this.beta.read() as tf.Tensor1D;
    if (!this.usesBatchStats(kwargs.training === true)) {
      // one fused pass with the running statistics (and ReLU; see @bmse/backend batchNormInference)
      const mean = this.movingMean.read() as tf.Tensor1D;
      const variance = this.movingVariance.read() as tf.Tensor1D;
      return batchNormInference(x, mean, variance, beta, gamma, this.epsilon, this.relu);
    }
    // one fused op with a fused gradient (and ReLU; see @bmse/backend batchNormTraining)
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon, this.relu);
    const n = x.size / x.shape[3];
    // in the variables' own memory on wasm, off the gradient tape (see @bmse/backend)
    updateRunningAverage(this.movingMean.read() as tf.Variable, mean, this.momentum);
    updateRunningAverage(this.movingVariance.read() as tf.Variable, variance, this.momentum, n > 1 ? n / (n - 1) : 1);
    tf.dispose([mean, variance]);
    return y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, relu: this.relu };
  }
}
tf.serialization.registerClass(BatchNorm2d);
