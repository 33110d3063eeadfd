/**
 * Balanced MSE losses against the spec §6.8 vectors and PyTorch float64 golden values (the official
 * formulas, test/fixtures/generate.py): loss and gradients w.r.t. pred, target and σ, on both the
 * fused kernel and the tfjs-ops path.
 */
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { bmcLoss, bmcLossBounded, bmcLossMD, bniLoss, gaiLoss, gaiLossMD, type KernelChoice } from '../src/index.js';
import golden from './fixtures/torch-losses.json' with { type: 'json' };
import { expectClose, lossAndGrads, setup } from './helpers.js';

beforeAll(setup);

const kernels: KernelChoice[] = ['fused', 'tensor'];
const { inputs } = golden;
type Case = (typeof golden.cases)['bmc68_1.0'];
const cases = golden.cases as Record<string, Case>;

function check(got: ReturnType<typeof lossAndGrads>, want: Case, rtol = 2e-5): void {
  const scale = Math.max(1, ...want.gradPred.flat().map(Math.abs));
  expectClose(got.loss, want.loss, rtol, 1e-5 * Math.max(1, Math.abs(want.loss)));
  expectClose(got.gradPred, want.gradPred.flat(), 1e-3, 2e-5 * scale);
  expectClose(got.gradTarget, want.gradTarget.flat(), 1e-3, 2e-5 * scale);
  expectClose(got.gradSigma, want.gradSigma, 1e-3, 1e-4 * Math.max(1, Math.abs(want.gradSigma)));
}

describe('spec §6.8 test vectors (ŷ = [1, 2, 4], y = [1.5, 2, 3])', () => {
  const table = [
    { sigma: 1, bmc: 1.1873056197546281, gai: -1.2428231996338373, bni: -1.0546998336238913 },
    { sigma: 2, bmc: 7.386262067749828, gai: -2.4623510932858808, bni: -1.4832449692431846 },
  ];
  for (const kernel of kernels) {
    for (const row of table) {
      it(`${kernel}: σ = ${row.sigma}`, () => {
        const p = tf.tensor2d([[1], [2], [4]]);
        const y = tf.tensor2d([[1.5], [2], [3]]);
        const s = row.sigma ** 2;
        const gmm = { means: [[1], [3]], variances: [[[0.5]], [[2]]], weights: [0.3, 0.7] };
        expect(bmcLoss(p, y, s, { kernel }).dataSync()[0]).toBeCloseTo(row.bmc, 5);
        expect(gaiLoss(p, y, gmm, s, { kernel }).dataSync()[0]).toBeCloseTo(row.gai, 5);
        expect(bniLoss(p, y, [1, 2, 3], [0.2, 0.5, 0.3], s, { kernel }).dataSync()[0]).toBeCloseTo(row.bni, 5);
        // the flat [B] form and flat GMM arrays give the same numbers (BalancedMSE issue #18)
        const p1 = tf.tensor1d([1, 2, 4]);
        const y1 = tf.tensor1d([1.5, 2, 3]);
        expect(bmcLoss(p1, y1, s, { kernel }).dataSync()[0]).toBeCloseTo(row.bmc, 5);
        const flat = { means: [1, 3], variances: [0.5, 2], weights: [0.3, 0.7] };
        expect(gaiLoss(p1, y1, flat, tf.scalar(s), { kernel }).dataSync()[0]).toBeCloseTo(row.gai, 5);
        tf.dispose([p, y, p1, y1]);
      });
    }
  }
});

describe('PyTorch float64 golden values: loss, ∂/∂pred, ∂/∂target, ∂/∂σ', () => {
  for (const kernel of kernels) {
    for (const sigma of ['1.0', '2.0']) {
      it(`${kernel}: §6.8 inputs, σ = ${sigma}`, () => {
        const { pred68: p, target68: y } = inputs;
        const { gmm68: g, buckets68: b } = golden;
        check(
          lossAndGrads((a, t, s) => bmcLoss(a, t, s, { kernel }), p, y, +sigma),
          cases[`bmc68_${sigma}`],
        );
        check(
          lossAndGrads((a, t, s) => gaiLoss(a, t, g, s, { kernel }), p, y, +sigma),
          cases[`gai68_${sigma}`],
        );
        check(
          lossAndGrads((a, t, s) => bniLoss(a, t, b.centers, b.weights, s, { kernel }), p, y, +sigma),
          cases[`bni68_${sigma}`],
        );
      });
    }
    for (const sigma of ['0.1', '3.0', '10.0']) {
      it(`${kernel}: ages with a repeated label, σ = ${sigma}`, () => {
        const { predAge: p, targetAge: y } = inputs;
        const { gmmAge: g, bucketsAge: b, negIdx } = golden;
        check(
          lossAndGrads((a, t, s) => bmcLoss(a, t, s, { kernel }), p, y, +sigma),
          cases[`bmcAge_${sigma}`],
        );
        check(
          lossAndGrads((a, t, s) => gaiLoss(a, t, g, s, { kernel }), p, y, +sigma),
          cases[`gaiAge_${sigma}`],
        );
        check(
          lossAndGrads((a, t, s) => bniLoss(a, t, b.centers, b.weights, s, { kernel }), p, y, +sigma),
          cases[`bniAge_${sigma}`],
        );
        check(
          lossAndGrads((a, t, s) => bmcLossBounded(a, t, s, { kernel, negativeIndices: negIdx }), p, y, +sigma),
          cases[`bmcBoundedAge_${sigma}`],
        );
      });
    }
  }
  for (const sigma of ['0.5', '1.5']) {
    it(`multi-dimensional, σ = ${sigma} (BMC d = 3, GAI d = 2 with full covariances)`, () => {
      for (const kernel of kernels) {
        check(
          lossAndGrads((a, t, s) => bmcLossMD(a, t, s, { kernel }), inputs.predMD, inputs.targetMD, +sigma),
          cases[`bmcMD_${sigma}`],
          1e-4,
        );
      }
      check(
        lossAndGrads((a, t, s) => gaiLossMD(a, t, golden.gmmMD, s), inputs.predMD2, inputs.targetMD2, +sigma),
        cases[`gaiMD_${sigma}`],
        1e-4,
      );
    });
  }
});

describe('multi-dimensional losses reduce to the 1-D ones for d = 1', () => {
  it('bmcLossMD = bmcLoss and gaiLossMD = gaiLoss on [B, 1]', () => {
    const { predAge: p, targetAge: y } = inputs;
    for (const sigma of [3, 10]) {
      expectClose(
        lossAndGrads(bmcLossMD, p, y, sigma).gradPred,
        lossAndGrads(bmcLoss, p, y, sigma).gradPred,
        1e-3,
        1e-5,
      );
      expectClose(lossAndGrads(bmcLossMD, p, y, sigma).loss, cases[`bmcAge_${sigma}.0`].loss, 1e-4);
      const g = golden.gmmAge;
      const md = { means: g.means.map((m) => [m]), variances: g.variances.map((v) => [[v]]), weights: g.weights };
      expectClose(
        lossAndGrads((a, t, s) => gaiLossMD(a, t, md, s), p, y, sigma).loss,
        cases[`gaiAge_${sigma}.0`].loss,
        1e-4,
      );
    }
  });
});
