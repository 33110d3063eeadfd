/** safetensors I/O and PyTorch-name mapping: loading a torchvision-style ResNet file into the depth encoder. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDepthNet,
  createResNetRegressor,
  loadPretrainedEncoder,
  loadTorchStateDict,
  parseSafetensors,
  serializeSafetensors,
  toTorchStateDict,
} from '../src/index.js';
import { setupWasm } from './helpers.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'bmse-st-'));
beforeAll(setupWasm);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A torchvision-style state dict of a full-width ResNet-18: 'fc.*' with 1000 classes and num_batches_tracked. */
function torchvisionLike() {
  const src = createResNetRegressor({ depth: 18, inputShape: [64, 64, 3], seed: 12 });
  const sd = toTorchStateDict(src);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, v] of sd) {
    if (k.startsWith('linear.')) continue;
    out.set(k, v);
    if (k.endsWith('.running_var'))
      out.set(k.replace('running_var', 'num_batches_tracked'), { shape: [], data: new Float32Array([7]) });
  }
  out.set('fc.weight', { shape: [1000, 512], data: new Float32Array(512_000) });
  out.set('fc.bias', { shape: [1000], data: new Float32Array(1000) });
  return { src, out };
}

describe('safetensors', () => {
  it('round-trips tensors and rejects truncated files', () => {
    const t = new Map([
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
      ['b', { shape: [], data: Float32Array.from([-0.5]) }],
    ]);
    const bytes = serializeSafetensors(t, { format: 'pt' });
    const back = parseSafetensors(bytes);
    expect(back.get('a.weight')).toMatchObject({ dtype: 'F32', shape: [2, 3] });
    expect(Array.from(back.get('a.weight')!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(back.get('b')!.data)).toEqual([-0.5]);
    expect(() => parseSafetensors(bytes.subarray(0, bytes.length - 4), 'x.safetensors')).toThrow(
      /x\.safetensors: tensor 'b' ends at byte .* truncated/,
    );
  });
});

describe('loadPretrainedEncoder', () => {
  it('loads torchvision names/layouts into the depth encoder E (fc and num_batches_tracked ignored)', async () => {
    const { src, out } = torchvisionLike();
    const file = path.join(root, 'resnet18.safetensors');
    writeFileSync(file, serializeSafetensors(out));
    const net = createDepthNet({ encoder: 'resnet18', inputShape: [64, 64, 3] });
    const report = await loadPretrainedEncoder(net, file);
    expect(report.loaded.length).toBe(out.size - 2 - report.ignored.length + 2);
    expect(report.missing.every((n) => /^(D|MFF|R)\./.test(n))).toBe(true);
    const w = (n: string, m: typeof net) =>
      m
        .namedWeights()
        .find((v) => v.name === n)!
        .variable.dataSync();
    expect(Array.from(w('E.layer3.1.conv2/kernel', net))).toEqual(Array.from(w('layer3.1.conv2/kernel', src)));
    expect(Array.from(w('E.bn1/moving_variance', net))).toEqual(Array.from(w('bn1/moving_variance', src)));
    // the regressor trunk accepts the same file; its 'linear' stays as initialised
    const reg = createResNetRegressor({ depth: 18, inputShape: [64, 64, 3] });
    await loadPretrainedEncoder(reg, file);
    expect(Array.from(w('layer4.1.bn2/gamma', reg))).toEqual(Array.from(w('layer4.1.bn2/gamma', src)));
    src.dispose();
    net.dispose();
    reg.dispose();
  });

  it('lists missing, unexpected and mis-shaped tensors in one error', async () => {
    const { src, out } = torchvisionLike();
    out.delete('layer1.0.conv1.weight');
    out.set('layer9.0.conv1.weight', { shape: [1], data: new Float32Array(1) });
    out.set('bn1.weight', { shape: [63], data: new Float32Array(63) });
    const file = path.join(root, 'bad.safetensors');
    writeFileSync(file, serializeSafetensors(out));
    const net = createDepthNet({ encoder: 'resnet18', inputShape: [64, 64, 3] });
    const err = await loadPretrainedEncoder(net, file).catch((e: Error) => e);
    expect(String(err)).toMatch(/bad\.safetensors does not match the model/);
    expect(String(err)).toMatch(/missing \(1\): E\.layer1\.0\.conv1\.weight/);
    expect(String(err)).toMatch(/unexpected \(1\): layer9\.0\.conv1\.weight/);
    expect(String(err)).toMatch(/mis-shaped \(1\): bn1\.weight: file \[63\], model expects \[64\] \(E\.bn1\/gamma\)/);
    // 'module.' (DataParallel) prefixes are stripped
    const reg = createResNetRegressor({ depth: 18, inputShape: [64, 64, 3], widthMultiplier: 0.125 });
    const sd = new Map([...toTorchStateDict(reg)].map(([k, v]) => [`module.${k}`, { dtype: 'F32', ...v }]));
    expect(loadTorchStateDict(reg, sd).loaded.length).toBe(sd.size);
    src.dispose();
    net.dispose();
    reg.dispose();
  });
});
