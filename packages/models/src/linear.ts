/**
 * `createLinearRegressor`: the synthetic benchmark's model, `nn.Linear(d, d)` with PyTorch's default
 * init (spec §2.5). The trunk is the identity (features = inputs), the head is the linear layer.
 */
import { tf } from '@bmse/backend';
import { NetBuilder } from './layers/builder.js';
import { BmseNet } from './net.js';
import { type LinearRegressorOptions, type ModelSpec, resolveLinearSpec } from './spec.js';

export function buildLinearRegressor(spec: Extract<ModelSpec, { kind: 'linear' }>): BmseNet {
  const b = new NetBuilder(spec.seed ?? undefined);
  const input = tf.input({ shape: [spec.inputs], name: 'input' });
  b.part = 'linear';
  const pred = b.linear(input, 'linear', spec.outputs);
  const model = tf.model({ inputs: input, outputs: pred, name: 'linear_regressor' });
  const identity = tf.layers.activation({ activation: 'linear', name: 'identity' }).apply(input) as tf.SymbolicTensor;
  const trunk = tf.model({ inputs: input, outputs: identity, name: 'linear_trunk' });
  const head = b.parts.get('linear')![0];
  return new BmseNet(spec, model, trunk, head, b.parts, null);
}

/** Linear(inputs → outputs); parameters inputs·outputs + outputs, as PyTorch. */
export function createLinearRegressor(options: LinearRegressorOptions): BmseNet {
  return buildLinearRegressor(resolveLinearSpec(options));
}
