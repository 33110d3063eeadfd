/**
 * `createResNetRegressor` (spec §3.1, official `imdb-wiki-dir/resnet.py`): ResNet
 * trunk → global average pooling → 2048-d (512-d for 18/34) encoding → [FDS in
 * training] → `linear` (PyTorch default init). Global average pooling equals the
 * official AvgPool2d(7) at 224x224 and lets any input size work.
 */
import { tf } from '@bmse/backend';
import { FDS } from './fds/fds.js';
import { NetBuilder } from './layers/builder.js';
import { BmseNet } from './net.js';
import { resNetTrunk } from './resnet-blocks.js';
import { type ModelSpec, type ResNetRegressorOptions, resolveResNetSpec } from './spec.js';

export function buildResNetRegressor(spec: Extract<ModelSpec, { kind: 'resnet' }>): BmseNet {
  const b = new NetBuilder(spec.seed ?? undefined);
  const input = tf.input({ shape: spec.inputShape, name: 'input' });
  b.part = 'trunk';
  const [, , , b4] = resNetTrunk(b, input, spec.depth, spec.widthMultiplier);
  const encoding = b.globalAvgPool(b4, 'avgpool');
  b.part = 'linear';
  const pred = b.linear(encoding, 'linear', spec.outputs);
  const model = tf.model({ inputs: input, outputs: pred, name: `resnet${spec.depth}_regressor` });
  const trunk = tf.model({ inputs: input, outputs: encoding, name: `resnet${spec.depth}_trunk` });
  const head = b.parts.get('linear')![0];
  const featureDim = encoding.shape[1] as number;
  const fds = spec.fds ? new FDS({ ...spec.fds, featureDim }) : null;
  return new BmseNet(spec, model, trunk, head, b.parts, fds);
}

/** ResNet-18/34/50 regressor; trainable parameters match PyTorch (ResNet-50, 1 output: 23,510,081). */
export function createResNetRegressor(options: ResNetRegressorOptions): BmseNet {
  return buildResNetRegressor(resolveResNetSpec(options));
}
