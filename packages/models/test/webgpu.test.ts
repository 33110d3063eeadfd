/**
 * The models on the webgpu backend (SwiftShader in CI): the ResNet-18 regressor with the
 * golden/make_golden.py weights gives torchvision's eval and train outputs and BN running
 * statistics, and its gradients match the cpu backend's. The nets are built and loaded on cpu
 * (loading reads weights back synchronously, which webgpu in Node cannot) and move to the GPU on
 * first use; values are read with await. Skipped, with the reason printed, where Dawn finds no adapter.
 */
import { readFileSync } from 'node:fs';
import { initBackend, leanVariableGrads, preferSwiftShaderWhenUnset, probeWebGpu, tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BmseNet, createResNetRegressor, loadTorchStateDict } from '../src/index.js';
import { maxRelDiff, patternInput, patternStateDict, seeded } from './helpers.js';

preferSwiftShaderWhenUnset();
const probe = await probeWebGpu();
if (!probe.ok) console.warn(`webgpu tests skipped: ${probe.reason}`);

const golden = JSON.parse(readFileSync(new URL('./golden/golden.json', import.meta.url), 'utf8'));

/** The golden ResNet-18 (weights of make_golden.py), built on cpu. */
async function goldenResNet18(): Promise<BmseNet> {
  await tf.setBackend('cpu');
  const g = golden.resnet18;
  const net = createResNetRegressor({ depth: 18, inputShape: [g.size, g.size, 3] });
  loadTorchStateDict(net, patternStateDict(net));
  return net;
}

describe.skipIf(!probe.ok)('models on webgpu', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
    // small ops on CPU-resident inputs would otherwise run on the CPU: test the GPU kernels
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  });

  it('ResNet-18 regressor: torchvision eval and train outputs, BN running statistics', async () => {
    const g = golden.resnet18;
    const net = await goldenResNet18();
    await tf.setBackend('webgpu');
    const x = patternInput([g.batch, g.size, g.size, 3]);
    const evalOut = net.predict(x);
    expect(maxRelDiff(await evalOut.data(), g.eval)).toBeLessThan(2e-4);
    const { pred } = net.forward(x, { training: true });
    expect(maxRelDiff(await pred.data(), g.train)).toBeLessThan(1e-4);
    const w = Object.fromEntries(net.namedWeights().map((v) => [v.name, v.variable]));
    expect(maxRelDiff((await w['bn1/moving_mean'].data()).slice(0, 4), g.bn1_running_mean)).toBeLessThan(1e-5);
    expect(maxRelDiff((await w['bn1/moving_variance'].data()).slice(0, 4), g.bn1_running_var)).toBeLessThan(1e-5);
    tf.dispose([x, evalOut, pred]);
    net.dispose();
  });

  it('ResNet-18 regressor (width 1/8, 64x64): the same training-mode gradients as on cpu, no leaked tensors', async () => {
    const gradsOn = async (backend: string) => {
      await tf.setBackend(backend);
      // 64x64 leaves 2x2 positions per image for the last batch norms (at 32x32, batch 2, they
      // normalise 2 values each: ill-conditioned, backends then differ by ~6%)
      const net = createResNetRegressor({ depth: 18, inputShape: [64, 64, 3], widthMultiplier: 0.125, seed: 5 });
      const x = tf.tensor4d(seeded(2 * 64 * 64 * 3, 6), [2, 64, 64, 3]);
      const y = tf.tensor2d([0.5, -1], [2, 1]);
      const before = tf.memory().numTensors;
      const vars = net.trainableVariables();
      const { value, grads } = leanVariableGrads(() => {
        const { pred } = net.forward(x, { training: true });
        return tf.losses.meanSquaredError(y, pred) as tf.Scalar;
      }, vars);
      const values = await Promise.all([value, ...vars.map((v) => grads[v.name])].map((t) => t.data()));
      tf.dispose([value, ...Object.values(grads)]);
      // the forward pass's BN running-average updates replace tensors, they add none
      const leaked = tf.memory().numTensors - before;
      tf.dispose([x, y]);
      net.dispose();
      return { values: values as Float32Array[], leaked };
    };
    const got = await gradsOn('webgpu');
    const ref = await gradsOn('cpu');
    expect(got.leaked).toBe(0);
    expect(got.values.length).toBe(ref.values.length);
    expect(maxRelDiff(got.values[0], ref.values[0])).toBeLessThan(1e-5);
    for (let i = 1; i < ref.values.length; i++) {
      const scale = Math.max(1e-3, ...Array.from(ref.values[i], Math.abs));
      const worst = Math.max(...Array.from(ref.values[i], (r, k) => Math.abs(got.values[i][k] - r)));
      expect(worst / scale, `gradient ${i}`).toBeLessThan(1e-4); // measured on SwiftShader: 1.3e-5
    }
  });
});
