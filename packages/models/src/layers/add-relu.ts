/**
 * `AddRelu`: `relu(a + b)` of two same-shape inputs as one layer — the residual sum and ReLU that end
 * each ResNet block and the depth net's up-projections, one fused op (see @bmse/backend addRelu).
 */
import { addRelu, tf } from '@bmse/backend';

export class AddRelu extends tf.layers.Layer {
  static readonly className = 'BmseAddRelu';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shapes = inputShape as tf.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2)
      throw new Error(`${this.name}: expects two inputs, got ${JSON.stringify(inputShape)}`);
    const [a, b] = shapes;
    if (a.length !== b.length || a.some((d, i) => d != null && b[i] != null && d !== b[i]))
      throw new Error(`${this.name}: the inputs' shapes differ: [${a}] and [${b}]`);
    return a;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return addRelu(a, b);
  }
}
tf.serialization.registerClass(AddRelu);
