/**
 * Trainer parity on the webgpu backend (SwiftShader in CI): the run's net (ResNet-18, width 1/8),
 * criterion (Balanced MSE, BMC, learnable σ in its own Adam group) and optimizer (FusedAdam), as
 * train.ts's step composes them, take three steps on webgpu and on the cpu backend (where the
 * fused Adam, batch-norm and BMC kernels run) from the same seed: the losses and σ agree to
 * float32 tolerance. train() itself reads each loss synchronously, which webgpu in Node cannot;
 * the step here reads it with await. Skipped, with the reason printed, where Dawn finds no adapter.
 */
import { initBackend, leanVariableGrads, preferSwiftShaderWhenUnset, probeWebGpu, tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCriterion, createNet, createOptimizer, resolveConfig, type TaskData } from '../src/index.js';

preferSwiftShaderWhenUnset();
const probe = await probeWebGpu();
if (!probe.ok) console.warn(`webgpu tests skipped: ${probe.reason}`);

const size = 64;
const batchSize = 4;
const config = resolveConfig({
  seed: 3,
  data: { dataset: 'imdb-wiki-dir', imageSize: size, batchSize },
  model: { arch: 'resnet18', widthMultiplier: 0.125 },
  optimizer: { name: 'adam', lr: 1e-3, weightDecay: 1e-4 },
  bmse: { enabled: true, impl: 'bmc', initNoiseSigma: 1, sigmaLr: 0.01 },
});
const data = {
  family: 'age',
  inputShape: [size, size, 3],
  outputs: 1,
  trainLabels: [20, 30, 40, 50],
} as unknown as TaskData;

async function stepsOn(backend: string, steps: number): Promise<{ losses: number[]; sigma: number; leaked: number }> {
  await tf.setBackend(backend);
  const net = createNet(config, data);
  const criterion = createCriterion(config, data);
  const opt = createOptimizer(config);
  const sigma = criterion.balanced;
  if (!sigma) throw new Error('expected a Balanced MSE criterion');
  const losses: number[] = [];
  let tensors = 0;
  for (let i = 0; i < steps; i++) {
    if (i === 1) tensors = tf.memory().numTensors;
    const x = tf.randomUniform([batchSize, size, size, 3], 0, 1, 'float32', 10 + i);
    // tf.randomUniform draws in JavaScript (seedrandom): the same values on every backend
    const y = tf.randomUniform([batchSize, 1], 1, 3, 'float32', 20 + i);
    const vars = [...net.trainableVariables(), sigma.noiseSigma];
    const { value, grads } = leanVariableGrads(() => {
      const { pred } = net.forward(x, { training: true, targets: y, epoch: 0 });
      return criterion.loss(pred, y);
    }, vars);
    losses.push((await value.data())[0]);
    value.dispose();
    opt.apply(sigma.applySigmaGradient(grads));
    tf.dispose([x, y]);
  }
  const leaked = tf.memory().numTensors - tensors;
  const s = (await sigma.noiseSigma.data())[0];
  criterion.dispose();
  opt.optimizer.dispose();
  net.dispose();
  return { losses, sigma: s, leaked };
}

describe.skipIf(!probe.ok)('trainer steps on webgpu', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  it('three ResNet-18 + Balanced MSE (BMC, learnable σ) steps: the same losses and σ as on cpu', async () => {
    const got = await stepsOn('webgpu', 3);
    const ref = await stepsOn('cpu', 3);
    console.log(`webgpu losses ${got.losses.join(', ')} σ ${got.sigma}; cpu ${ref.losses.join(', ')} σ ${ref.sigma}`);
    expect(got.leaked).toBe(0);
    for (let i = 0; i < 3; i++)
      expect(Math.abs(got.losses[i] - ref.losses[i])).toBeLessThan(1e-4 * Math.abs(ref.losses[0]));
    expect(Math.abs(got.sigma - ref.sigma)).toBeLessThan(1e-6);
    expect(got.sigma).not.toBe(1); // σ learnt
  });
});
