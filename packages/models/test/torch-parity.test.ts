/**
 * Parity with PyTorch: torchvision ResNet-18/50 regressors and the depth net
 * (ResNet-18 encoder) with the same deterministic weights and input as
 * golden/make_golden.py give the same outputs (eval and train mode) and the same
 * updated BN running statistics; bilinear resizing matches F.interpolate.
 */
import { readFileSync } from 'node:fs';
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDepthNet, createResNetRegressor, loadTorchStateDict, resizeBilinearTorch } from '../src/index.js';
import { maxRelDiff, patternInput, patternStateDict, setupWasm } from './helpers.js';

const golden = JSON.parse(readFileSync(new URL('./golden/golden.json', import.meta.url), 'utf8'));

beforeAll(setupWasm);

describe.each([18, 50] as const)('ResNet-%i regressor vs torchvision', (depth) => {
  it('eval and train outputs and BN running statistics match', () => {
    const g = golden[`resnet${depth}`];
    const net = createResNetRegressor({ depth, inputShape: [g.size, g.size, 3] });
    loadTorchStateDict(net, patternStateDict(net));
    const x = patternInput([g.batch, g.size, g.size, 3]);
    const evalOut = net.predict(x);
    expect(maxRelDiff(evalOut.dataSync(), g.eval)).toBeLessThan(2e-4);
    const { pred } = net.forward(x, { training: true });
    expect(maxRelDiff(pred.dataSync(), g.train)).toBeLessThan(1e-4);
    const w = Object.fromEntries(net.namedWeights().map((v) => [v.name, v.variable]));
    expect(maxRelDiff(w['bn1/moving_mean'].dataSync().slice(0, 4), g.bn1_running_mean)).toBeLessThan(1e-5);
    expect(maxRelDiff(w['bn1/moving_variance'].dataSync().slice(0, 4), g.bn1_running_var)).toBeLessThan(1e-5);
    tf.dispose([x, evalOut, pred]);
    net.dispose();
  });
});

describe('depth network vs the PyTorch modules', () => {
  it('ResNet-18 encoder at 64x96: output 32x48 with the same values', () => {
    const g = golden.depth_resnet18;
    const net = createDepthNet({ encoder: 'resnet18', inputShape: [64, 96, 3] });
    loadTorchStateDict(net, patternStateDict(net));
    const x = patternInput([1, 64, 96, 3]);
    const out = net.predict(x);
    expect(out.shape).toEqual(g.shape);
    const v = Array.from(out.dataSync());
    // the net amplifies rounding: PyTorch float32 vs float64 differ by up to 5.7e-3 here (abs mean 16.7)
    const worst = Math.max(...g.idx.map((i: number, k: number) => Math.abs(v[i] - g.values[k])));
    expect(worst / g.abs_mean).toBeLessThan(1e-3);
    const sum = v.reduce((a, b) => a + b, 0);
    const absMean = v.reduce((a, b) => a + Math.abs(b), 0) / v.length;
    expect(Math.abs(sum - g.sum) / (v.length * g.abs_mean)).toBeLessThan(1e-4);
    expect(absMean).toBeCloseTo(g.abs_mean, 2);
    tf.dispose([x, out]);
    net.dispose();
  });
});

describe('resizeBilinearTorch', () => {
  it.each([false, true])('matches F.interpolate (align_corners=%s)', (alignCorners) => {
    const x = patternInput([1, 3, 5, 2]);
    const y = resizeBilinearTorch(x, [7, 4], alignCorners);
    expect(maxRelDiff(y.dataSync(), golden.upsample[String(alignCorners) === 'true' ? 'true' : 'false'])).toBeLessThan(
      1e-6,
    );
    tf.dispose([x, y]);
  });
});
