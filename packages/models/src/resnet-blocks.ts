/**
 * The torchvision/official ResNet trunk (spec §3.1, §3.2 E): 7x7/2 stem, 3x3/2 max
 * pool, four stages of BasicBlock (ResNet-18/34) or Bottleneck (ResNet-50, stride on
 * the 3x3 conv), projection shortcuts 'downsample.0/1' where the shape changes.
 * Returns the four stage outputs (b1..b4).
 */
import type { NetBuilder, Sym } from './layers/builder.js';

export type ResNetDepth = 18 | 34 | 50;
export const resNetDepths: readonly ResNetDepth[] = [18, 34, 50];

const stageBlocks: Record<ResNetDepth, number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3] };

export function isBottleneck(depth: ResNetDepth): boolean {
  return depth === 50;
}

/** Channel count after the width multiplier (at least 1). */
export function scaled(channels: number, widthMultiplier: number): number {
  return Math.max(1, Math.round(channels * widthMultiplier));
}

/** Output channels of the four stages: [64, 128, 256, 512]·expansion·multiplier. */
export function stageChannels(depth: ResNetDepth, widthMultiplier = 1): [number, number, number, number] {
  const e = isBottleneck(depth) ? 4 : 1;
  return [64, 128, 256, 512].map((c) => scaled(c, widthMultiplier) * e) as [number, number, number, number];
}

function convBn(
  b: NetBuilder,
  x: Sym,
  name: string,
  bn: string,
  filters: number,
  kernel: number,
  stride: number,
  pad: number,
  relu = false,
): Sym {
  const y = b.conv(x, { name, filters, kernel, stride, pad });
  // with relu: one batch-norm layer with the ReLU fused in (no separate ReLU layer)
  return relu ? b.bnRelu(y, bn) : b.bn(y, bn);
}

function shortcut(b: NetBuilder, x: Sym, p: string, out: number, stride: number): Sym {
  if (stride === 1 && (x.shape[3] as number) === out) return x;
  return convBn(b, x, `${p}.downsample.0`, `${p}.downsample.1`, out, 1, stride, 0);
}

function basicBlock(b: NetBuilder, x: Sym, p: string, planes: number, stride: number): Sym {
  let y = convBn(b, x, `${p}.conv1`, `${p}.bn1`, planes, 3, stride, 1, true);
  y = convBn(b, y, `${p}.conv2`, `${p}.bn2`, planes, 3, 1, 1);
  return b.addRelu([y, shortcut(b, x, p, planes, stride)], `${p}.add`);
}

function bottleneck(b: NetBuilder, x: Sym, p: string, planes: number, stride: number): Sym {
  let y = convBn(b, x, `${p}.conv1`, `${p}.bn1`, planes, 1, 1, 0, true);
  y = convBn(b, y, `${p}.conv2`, `${p}.bn2`, planes, 3, stride, 1, true);
  y = convBn(b, y, `${p}.conv3`, `${p}.bn3`, planes * 4, 1, 1, 0);
  return b.addRelu([y, shortcut(b, x, p, planes * 4, stride)], `${p}.add`);
}

/** Builds the trunk on `input`; layer names are `${prefix}conv1`, `${prefix}layer1.0.conv1`, … */
export function resNetTrunk(
  b: NetBuilder,
  input: Sym,
  depth: ResNetDepth,
  widthMultiplier: number,
  prefix = '',
): [Sym, Sym, Sym, Sym] {
  const stem = scaled(64, widthMultiplier);
  let x = convBn(b, input, `${prefix}conv1`, `${prefix}bn1`, stem, 7, 2, 3, true);
  x = b.maxPool(x, `${prefix}maxpool`, 3, 2, 1);
  const outs: Sym[] = [];
  stageBlocks[depth].forEach((count, stage) => {
    const planes = scaled(64 * 2 ** stage, widthMultiplier);
    for (let i = 0; i < count; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const p = `${prefix}layer${stage + 1}.${i}`;
      x = isBottleneck(depth) ? bottleneck(b, x, p, planes, stride) : basicBlock(b, x, p, planes, stride);
    }
    outs.push(x);
  });
  return outs as [Sym, Sym, Sym, Sym];
}
