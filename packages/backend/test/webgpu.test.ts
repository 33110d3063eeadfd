/**
 * The webgpu backend (tfjs-backend-webgpu on Dawn; SwiftShader in CI) against the cpu backend:
 * what initBackend('webgpu') reports, the training kernels (conv and max-pool gradients,
 * batch norm), the project's fused ops falling back to tfjs ops (batchNormTraining, the ReLU
 * gradient, the Adam update, running averages), a conv net's gradients and a few FusedAdam
 * steps with the same losses, no leaked tensors, and a clear error for synchronous reads.
 * Skipped, with the reason printed, where Dawn finds no adapter.
 */
import {
  adamUpdate,
  batchNormTraining,
  describeBackend,
  FusedAdam,
  initBackend,
  leanVariableGrads,
  tf,
  updateRunningAverage,
} from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, seeded } from './helpers.js';
import { smallNet } from './small-net.js';
import { valuesOn, webGpuForTests } from './webgpu-helpers.js';

const probe = await webGpuForTests();

/** Every array of `got` within rtol·max(1, max|ref|) of `ref`. */
function expectAllClose(got: Float32Array[], ref: Float32Array[], rtol: number): void {
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    expect(maxAbsDiff(got[i], ref[i]), `output ${i}`).toBeLessThanOrEqual(rtol * Math.max(1, maxAbs(ref[i])));
  }
}

/** The same computation on webgpu and cpu. */
async function compare(fn: () => tf.Tensor | tf.Tensor[], rtol = 1e-5): Promise<void> {
  const got = await valuesOn('webgpu', fn);
  const ref = await valuesOn('cpu', fn);
  expectAllClose(got, ref, rtol);
}

describe.skipIf(!probe.ok)('webgpu backend', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
    // small ops on CPU-resident inputs would otherwise run on the CPU: test the GPU kernels
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  });

  it("initBackend('webgpu') names the adapter", async () => {
    const info = await initBackend('webgpu');
    expect(info.backend).toBe('webgpu');
    expect(info.package).toBe('@tensorflow/tfjs-backend-webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(info.adapter?.description || info.adapter?.architecture).toBeTruthy();
    expect(info.gpu).toBe(!info.adapter?.software);
    if (/swiftshader/i.test(info.adapter?.architecture ?? '')) {
      expect(info.adapter?.software).toBe(true);
      expect(describeBackend(info)).toMatch(/^webgpu \(cpu, SwiftShader.*software\)\)$/);
    }
    await expect(initBackend('wasm')).rejects.toThrow(/already initialised/);
  });

  it('conv2d, its filter and input gradients, max-pool gradient', async () => {
    const x = () => tf.tensor4d(seeded(2 * 9 * 9 * 5, 1), [2, 9, 9, 5]);
    const f = () => tf.tensor4d(seeded(3 * 3 * 5 * 6, 2), [3, 3, 5, 6]);
    await compare(() => {
      const [xs, fs] = [x(), f()];
      const loss = (a: tf.Tensor4D, b: tf.Tensor4D) =>
        tf.sum(tf.square(tf.maxPool(tf.conv2d(a, b, 2, 'same'), 3, 2, 'same')));
      const [gx, gf] = tf.grads(loss as (...args: tf.Tensor[]) => tf.Tensor)([xs, fs]);
      return [tf.conv2d(xs, fs, 1, 'valid'), gx, gf];
    });
  });

  it('batchNormTraining falls back to tfjs ops: same outputs, statistics and gradients as the fused cpu kernel', async () => {
    await compare(() => {
      const x = tf.tensor4d(seeded(4 * 5 * 5 * 8, 3), [4, 5, 5, 8]);
      const gamma = tf.tensor1d(seeded(8, 4));
      const beta = tf.tensor1d(seeded(8, 5));
      const w = tf.tensor4d(seeded(4 * 5 * 5 * 8, 6), [4, 5, 5, 8]);
      const { mean, variance } = batchNormTraining(x, gamma, beta);
      const [gx, gg, gb] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D).y, w)),
      )([x, gamma, beta]);
      return [batchNormTraining(x, gamma, beta).y, mean, variance, gx, gg, gb];
    }, 2e-5);
  });

  it('the ReLU gradient, the Adam update and running averages fall back to tfjs ops', async () => {
    const attrs = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4, bias1: 0.19, bias2: 0.002 };
    await compare(() => {
      const x = tf.tensor1d(seeded(300, 7));
      const [relu] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), a)))([x]);
      const adam = adamUpdate(x, tf.tensor1d(seeded(300, 8)), tf.tensor1d(seeded(300, 9)), tf.abs(x), attrs);
      return [relu, ...adam];
    });
    const running = async (backend: string) => {
      await tf.setBackend(backend);
      const v = tf.variable(tf.tensor1d(seeded(16, 10)));
      const batch = tf.tensor1d(seeded(16, 11));
      updateRunningAverage(v, batch, 0.1, 1.25);
      const out = await v.data();
      tf.dispose([v, batch]);
      return [out as Float32Array];
    };
    expectAllClose(await running('webgpu'), await running('cpu'), 1e-6);
  });

  // 8 images, each offset by its own brightness; the target is that offset
  const batch = () => {
    const offsets = seeded(8, 12);
    const x = tf.add(tf.tensor4d(seeded(8 * 16 * 16 * 3, 13), [8, 16, 16, 3]), tf.tensor4d(offsets, [8, 1, 1, 1]));
    return { x, y: tf.tensor2d(offsets, [8, 1]) };
  };
  const mse = (model: tf.LayersModel, b: { x: tf.Tensor; y: tf.Tensor }) => () =>
    tf.losses.meanSquaredError(b.y, model.apply(b.x, { training: true }) as tf.Tensor) as tf.Scalar;

  it('a conv net: the same gradients as on cpu (leanVariableGrads)', async () => {
    const gradsOn = async (backend: string) => {
      await tf.setBackend(backend);
      const model = smallNet();
      const b = batch();
      const { value, grads } = leanVariableGrads(mse(model, b));
      const values = await Promise.all(
        model.trainableWeights.map((w) => grads[(w as unknown as { val: tf.Variable }).val.name].data()),
      );
      tf.dispose([value, b.x, b.y, ...Object.values(grads)]);
      model.dispose();
      return values as Float32Array[];
    };
    expectAllClose(await gradsOn('webgpu'), await gradsOn('cpu'), 1e-4);
  });

  it('FusedAdam: four steps with the same losses as on cpu, no leaked tensors', async () => {
    const lossesOn = async (backend: string) => {
      await tf.setBackend(backend);
      const model = smallNet();
      const opt = new FusedAdam({ learningRate: 0.01, weightDecay: 1e-4 });
      const b = batch();
      const losses: number[] = [];
      let tensors = 0;
      for (let i = 0; i < 4; i++) {
        if (i === 1) tensors = tf.memory().numTensors;
        const cost = opt.minimize(mse(model, b), true) as tf.Scalar;
        losses.push((await cost.data())[0]);
        cost.dispose();
      }
      const leaked = tf.memory().numTensors - tensors;
      tf.dispose([b.x, b.y]);
      opt.dispose();
      model.dispose();
      return { losses, leaked };
    };
    const got = await lossesOn('webgpu');
    const ref = await lossesOn('cpu');
    expect(got.leaked).toBe(0);
    for (let i = 0; i < 4; i++) expect(Math.abs(got.losses[i] - ref.losses[i])).toBeLessThan(1e-4 * ref.losses[0]);
  });

  it('a synchronous read of GPU memory fails with a message that says what to use', async () => {
    await tf.setBackend('webgpu');
    const a = tf.tensor2d(seeded(64 * 64, 14), [64, 64]);
    const p = tf.matMul(a, a);
    expect(() => p.dataSync()).toThrow(/cannot read GPU memory synchronously in Node.*await tensor\.data\(\)/);
    expect((await p.data()).length).toBe(64 * 64);
    tf.dispose([a, p]);
  });
});
