/**
 * `createDepthNet` (spec §3.2; official `nyud2-dir/models/{net,modules}.py`, Hu et
 * al. WACV 2019): encoder E (ResNet blocks 1–4) → decoder D (1x1 conv + 4
 * up-projections) and MFF (each block up-projected to 16 channels at D's size,
 * fused by a 5x5 conv) → refinement R (two 5x5 conv-BN-ReLU on concat(D, MFF), FDS
 * on those per-pixel features, 5x5 conv to 1 channel with bias). Bilinear
 * upsampling with align_corners false. Output [B, H/2, W/2, 1] (114x152 for 228x304).
 * D/MFF/R convs use PyTorch's default initialisation (modules.py sets none); E uses
 * the ResNet initialisation until ImageNet weights are loaded.
 */
import { tf } from '@bmse/backend';
import { FDS } from './fds/fds.js';
import { NetBuilder, type Sym } from './layers/builder.js';
import { BmseNet } from './net.js';
import { type ResNetDepth, resNetTrunk, stageChannels } from './resnet-blocks.js';
import { type DepthNetOptions, type ModelSpec, resolveDepthSpec } from './spec.js';

function hw(x: Sym): [number, number] {
  return [x.shape[1] as number, x.shape[2] as number];
}

/** `_UpProjection(in, out)`: upsample → (conv5x5·BN·ReLU → conv3x3·BN) + (conv5x5·BN) → ReLU. */
function upProjection(b: NetBuilder, x: Sym, p: string, out: number, size: [number, number]): Sym {
  const init = 'torch-default' as const;
  const u = b.upsample(x, `${p}.upsample`, size);
  let a = b.bnRelu(b.conv(u, { name: `${p}.conv1`, filters: out, kernel: 5, pad: 2, init }), `${p}.bn1`);
  a = b.bn(b.conv(a, { name: `${p}.conv1_2`, filters: out, kernel: 3, pad: 1, init }), `${p}.bn1_2`);
  const br = b.bn(b.conv(u, { name: `${p}.conv2`, filters: out, kernel: 5, pad: 2, init }), `${p}.bn2`);
  return b.addRelu([a, br], `${p}.add`);
}

export function buildDepthNet(spec: Extract<ModelSpec, { kind: 'depth' }>): BmseNet {
  const depth = Number(spec.encoder.replace('resnet', '')) as ResNetDepth;
  const m = spec.widthMultiplier;
  const b = new NetBuilder(spec.seed ?? undefined);
  const input = tf.input({ shape: spec.inputShape, name: 'input' });
  const init = 'torch-default' as const;

  b.part = 'E';
  const blocks = resNetTrunk(b, input, depth, m, 'E.');
  const [b1, b2, b3, b4] = blocks;
  const channels = stageChannels(depth, m);

  b.part = 'D';
  let nf = Math.floor(channels[3] / 2);
  let d = b.bnRelu(b.conv(b4, { name: 'D.conv', filters: nf, kernel: 1, init }), 'D.bn');
  const targets: [number, number][] = [hw(b3), hw(b2), hw(b1), [hw(b1)[0] * 2, hw(b1)[1] * 2]];
  targets.forEach((size, i) => {
    d = upProjection(b, d, `D.up${i + 1}`, Math.floor(nf / 2), size);
    nf = Math.floor(nf / 2);
  });

  b.part = 'MFF';
  const size = hw(d);
  const mffUnits = scaledUnits(16, m);
  const ms = blocks.map((x, i) => upProjection(b, x, `MFF.up${i + 1}`, mffUnits, size));
  const mffFeatures = 4 * mffUnits;
  const mff = b.bnRelu(
    b.conv(b.concat(ms, 'MFF.cat'), { name: 'MFF.conv', filters: mffFeatures, kernel: 5, pad: 2, init }),
    'MFF.bn',
  );

  b.part = 'R';
  const rIn = b.concat([d, mff], 'R.cat');
  const rf = rIn.shape[3] as number; // 64 + 2048 // 32 = 128 for ResNet-50
  let r = b.bnRelu(b.conv(rIn, { name: 'R.conv0', filters: rf, kernel: 5, pad: 2, init }), 'R.bn0');
  r = b.bnRelu(b.conv(r, { name: 'R.conv1', filters: rf, kernel: 5, pad: 2, init }), 'R.bn1');
  const out = b.conv(r, { name: 'R.conv2', filters: 1, kernel: 5, pad: 2, bias: true, init });

  const model = tf.model({ inputs: input, outputs: out, name: `depth_${spec.encoder}` });
  const trunk = tf.model({ inputs: input, outputs: r, name: `depth_${spec.encoder}_trunk` });
  const rLayers = b.parts.get('R')!;
  const head = rLayers[rLayers.length - 1];
  const fds = spec.fds ? new FDS({ ...spec.fds, featureDim: rf }) : null;
  return new BmseNet(spec, model, trunk, head, b.parts, fds);
}

function scaledUnits(c: number, m: number): number {
  return Math.max(1, Math.round(c * m));
}

/** The Hu et al. depth network; ResNet-50 encoder: 67,569,473 parameters (E 23,508,032; D 40,054,400; MFF 3,184,128; R 822,913). */
export function createDepthNet(options: DepthNetOptions): BmseNet {
  return buildDepthNet(resolveDepthSpec(options));
}
