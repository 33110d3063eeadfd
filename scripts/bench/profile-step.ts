/**
 * Per-kernel time of one training step on the current backend (development aid):
 * `tsx --conditions=source scripts/bench/profile-step.ts <backend> <net> <batch> <size>`; net: conv3,
 * plain or separable (trainOnBatch with SGD), resnet18, resnet50 or depth (the depth net, ResNet-50 encoder); size: 64 or HxW (228x304).
 * PROFILE_DETAIL=<kernel>[,<kernel>…] splits those kernels' time by input shapes; PROFILE_FORWARD=1
 * profiles an inference forward pass instead.
 */
import { FusedAdam, initBackend, tf } from '@bmse/backend';
import { createDepthNet } from '@bmse/models';
import { buildNet, layersNets, type NetName } from './nets.js';

const [backendName = 'wasm', net = 'conv3', batch = '32', size = '64'] = process.argv.slice(2);
const info = await initBackend(backendName as 'wasm');
const totals = new Map<string, { ms: number; calls: number }>();
for (const k of tf.getKernelsForBackend(info.backend)) {
  const inner = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, k.backendName);
  tf.registerKernel({
    ...k,
    kernelFunc: (args) => {
      const t0 = performance.now();
      const out = inner(args);
      const detail = (process.env.PROFILE_DETAIL ?? '').split(',').includes(k.kernelName);
      const key = detail
        ? `${k.kernelName} ${Object.values(args.inputs)
            .map((t) => `[${t?.shape}]`)
            .join(' ')}`
        : k.kernelName;
      const t = totals.get(key) ?? { ms: 0, calls: 0 };
      t.ms += performance.now() - t0;
      t.calls++;
      totals.set(key, t);
      return out;
    },
  });
}
const [h, w = h] = size.split('x').map(Number);
const model =
  net === 'depth'
    ? createDepthNet({ encoder: 'resnet50', inputShape: [h, w, 3], seed: 1 }).model
    : buildNet(net as NetName, [h, w, 3]);
const optimizer = new FusedAdam({ learningRate: 1e-3 });
const x = tf.randomNormal([Number(batch), h, w, 3]);
const y = tf.randomNormal(model.outputs[0].shape.map((d) => d ?? Number(batch)));
const step =
  layersNets.includes(net) && process.env.PROFILE_FORWARD !== '1'
    ? async () => {
        await model.trainOnBatch(x, y); // compile + trainOnBatch with SGD, as its users train it
      }
    : process.env.PROFILE_FORWARD === '1'
      ? () => tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync())
      : () =>
          optimizer
            .minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor), true)
            ?.dataSync();
await step();
totals.clear();
const t0 = performance.now();
await step();
const wall = performance.now() - t0;
const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
const sum = rows.reduce((s, [, v]) => s + v.ms, 0);
console.log(`step ${wall.toFixed(1)} ms, kernels ${sum.toFixed(1)} ms`);
for (const [name, v] of rows.slice(0, Number(process.env.PROFILE_ROWS ?? 25)))
  console.log(`${name.padEnd(28)} ${v.ms.toFixed(1).padStart(8)} ms ${String(v.calls).padStart(5)} calls`);
