/**
 * The PyTorch float64 golden values of balanced-mse.test.ts on the webgpu backend (SwiftShader
 * in CI): kernel 'auto' takes the tfjs-ops path there (the fused kernels are cpu/wasm only);
 * values are read asynchronously (webgpu in Node cannot read synchronously). Skipped, with the
 * reason printed, where Dawn finds no adapter.
 */
import { initBackend, preferSwiftShaderWhenUnset, probeWebGpu, tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { bmcLoss, bmcLossBounded, bmcLossMD, bniLoss, gaiLoss, gaiLossMD } from '../src/index.js';
import golden from './fixtures/torch-losses.json' with { type: 'json' };
import { expectClose, type LossAndGrads } from './helpers.js';

preferSwiftShaderWhenUnset();
const probe = await probeWebGpu();
if (!probe.ok) console.warn(`webgpu tests skipped: ${probe.reason}`);

type Loss = (pred: tf.Tensor, target: tf.Tensor, s: tf.Tensor) => tf.Scalar;
type Case = (typeof golden.cases)['bmc68_1.0'];
const cases = golden.cases as Record<string, Case>;
const { inputs } = golden;

/** lossAndGrads of helpers.ts, read with await (and checked for leaks). */
async function lossAndGradsAsync(f: Loss, pred: number[][], target: number[][], sigma: number): Promise<LossAndGrads> {
  const before = tf.memory().numTensors;
  const p = tf.tensor2d(pred);
  const t = tf.tensor2d(target);
  const sg = tf.scalar(sigma);
  const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, tf.square(c)))([
    p,
    t,
    sg,
  ]);
  const [loss, gp, gt, gs] = await Promise.all([value, ...grads].map((x) => x.data()));
  tf.dispose([p, t, sg, value, ...grads]);
  expect(tf.memory().numTensors).toBe(before);
  return { loss: loss[0], gradPred: Array.from(gp), gradTarget: Array.from(gt), gradSigma: gs[0] };
}

function check(got: LossAndGrads, want: Case, rtol: number): void {
  const scale = Math.max(1, ...want.gradPred.flat().map(Math.abs));
  expectClose(got.loss, want.loss, rtol, 1e-5 * Math.max(1, Math.abs(want.loss)));
  expectClose(got.gradPred, want.gradPred.flat(), 1e-3, 2e-5 * scale);
  expectClose(got.gradTarget, want.gradTarget.flat(), 1e-3, 2e-5 * scale);
  expectClose(got.gradSigma, want.gradSigma, 1e-3, 1e-4 * Math.max(1, Math.abs(want.gradSigma)));
}

describe.skipIf(!probe.ok)('Balanced MSE golden values on webgpu', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
    // small ops on CPU-resident inputs would otherwise run on the CPU: test the GPU kernels
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  });

  const { gmm68, buckets68, gmmAge, bucketsAge, negIdx } = golden;
  const oneD: Array<[string, Loss, number[][], number[][], string[]]> = [
    ['bmc68', (a, t, s) => bmcLoss(a, t, s), inputs.pred68, inputs.target68, ['1.0', '2.0']],
    ['gai68', (a, t, s) => gaiLoss(a, t, gmm68, s), inputs.pred68, inputs.target68, ['1.0', '2.0']],
    [
      'bni68',
      (a, t, s) => bniLoss(a, t, buckets68.centers, buckets68.weights, s),
      inputs.pred68,
      inputs.target68,
      ['1.0', '2.0'],
    ],
    ['bmcAge', (a, t, s) => bmcLoss(a, t, s), inputs.predAge, inputs.targetAge, ['0.1', '3.0', '10.0']],
    ['gaiAge', (a, t, s) => gaiLoss(a, t, gmmAge, s), inputs.predAge, inputs.targetAge, ['0.1', '3.0', '10.0']],
    [
      'bniAge',
      (a, t, s) => bniLoss(a, t, bucketsAge.centers, bucketsAge.weights, s),
      inputs.predAge,
      inputs.targetAge,
      ['0.1', '3.0', '10.0'],
    ],
    [
      'bmcBoundedAge',
      (a, t, s) => bmcLossBounded(a, t, s, { negativeIndices: negIdx }),
      inputs.predAge,
      inputs.targetAge,
      ['0.1', '3.0', '10.0'],
    ],
  ];
  for (const [name, f, p, y, sigmas] of oneD) {
    it(`${name}: σ = ${sigmas.join(', ')}`, async () => {
      expect(tf.getBackend()).toBe('webgpu');
      for (const sigma of sigmas) check(await lossAndGradsAsync(f, p, y, +sigma), cases[`${name}_${sigma}`], 2e-5);
    });
  }

  it('multi-dimensional: BMC d = 3, GAI d = 2 with full covariances, σ = 0.5, 1.5', async () => {
    for (const sigma of ['0.5', '1.5']) {
      check(await lossAndGradsAsync(bmcLossMD, inputs.predMD, inputs.targetMD, +sigma), cases[`bmcMD_${sigma}`], 1e-4);
      check(
        await lossAndGradsAsync(
          (a, t, s) => gaiLossMD(a, t, golden.gmmMD, s),
          inputs.predMD2,
          inputs.targetMD2,
          +sigma,
        ),
        cases[`gaiMD_${sigma}`],
        1e-4,
      );
    }
  });
});
