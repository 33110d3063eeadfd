/**
 * One backend-benchmark case in its own process (tfjs has one backend per process):
 * median ms per training step (forward, backward, Adam update; the tf.layers nets: trainOnBatch with SGD) of one net.
 * argv: <backend> <net> <batch> <size> <warmup> <steps>; prints one JSON line.
 */
import type { NetName } from './nets.js';

// Measured as a compiled program runs: tsx turns Node's source maps on, and Node then parses the
// map of every file it loads (tfjs' inline ones: ~45 MB resident); before the imports below.
process.setSourceMapsEnabled(false);
const { describeBackend, FusedAdam, initBackend, tf } = await import('@bmse/backend');
const { buildNet, layersNets } = await import('./nets.js');

const [backendName, net, batch, size, warmup, steps] = process.argv.slice(2);
const info = await initBackend(backendName as 'wasm' | 'cpu' | 'tensorflow').catch((err: Error) => {
  console.log(JSON.stringify({ error: err.message }));
  process.exit(0);
});
const model = buildNet(net as NetName, [Number(size), Number(size), 3]);
const optimizer = new FusedAdam({ learningRate: 1e-3 });
const x = tf.randomNormal([Number(batch), Number(size), Number(size), 3], 0, 1, 'float32', 1);
const y = tf.randomNormal([Number(batch), 1], 0, 1, 'float32', 2);
const step = layersNets.includes(net)
  ? // what users write: compile + trainOnBatch (the loss read back each step)
    async () => {
      await model.trainOnBatch(x, y);
    }
  : () => {
      const cost = optimizer.minimize(
        () => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as import('@bmse/backend').tf.Tensor),
        true,
      );
      cost?.dataSync();
      cost?.dispose();
    };
const times: number[] = [];
for (let i = 0; i < Number(warmup) + Number(steps); i++) {
  const t0 = performance.now();
  await step();
  if (i >= Number(warmup)) times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    backend: info.backend,
    describe: describeBackend(info),
    threads: info.threads,
    net,
    median_ms: times[Math.floor(times.length / 2)],
    params: model.countParams(),
    tensors: tf.memory().numTensors,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  }),
);
