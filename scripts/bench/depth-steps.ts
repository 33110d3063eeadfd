/**
 * Memory and time of consecutive training steps of the depth network on the wasm
 * backend (development aid): per step the wall time, `tf.memory()` (numTensors,
 * numBytes), the wasm heap size, the bytes malloc'd in the heap (live and peak)
 * and the process RSS; with PEAK_DETAIL=1 also the largest blocks near each step's peak.
 * `tsx --conditions=source scripts/bench/depth-steps.ts [steps=4] [batch=2] [h=228] [w=304] [encoder=resnet50]`
 */
import { FusedAdam, initBackend, tf } from '@bmse/backend';
import { createDepthNet } from '@bmse/models';

const [steps = '4', batch = '2', h = '228', w = '304', encoder = 'resnet50'] = process.argv.slice(2);
await initBackend('wasm');
// the backend's heap guard has bound emscripten's lazily bound _malloc/_free: wrapping them is safe
type Heap = { _malloc(n: number): number; _free(p: number): void; HEAPU8: Uint8Array };
const wasm = (tf.backend() as unknown as { wasm: Heap }).wasm;
const live = new Map<number, number>();
let liveBytes = 0;
let peakBytes = 0;
let mallocMs = 0;
let snapAt = 0;
let peakSnapshot: number[] = [];
const malloc = wasm._malloc.bind(wasm);
const free = wasm._free.bind(wasm);
wasm._malloc = (n: number) => {
  const t0 = performance.now();
  const p = malloc(n);
  mallocMs += performance.now() - t0;
  live.set(p >>> 0, n);
  liveBytes += n;
  if (liveBytes > peakBytes) {
    peakBytes = liveBytes;
    if (peakBytes > snapAt + 64 * 2 ** 20) {
      snapAt = peakBytes;
      peakSnapshot = [...live.values()].sort((a, b) => b - a);
    }
  }
  return p;
};
wasm._free = (p: number) => {
  const n = live.get(p >>> 0);
  if (n != null) {
    liveBytes -= n;
    live.delete(p >>> 0);
  }
  free(p);
};

const mb = (b: number) => (b / 2 ** 20).toFixed(0);
const heap = () => wasm.HEAPU8.buffer.byteLength;
const report = (label: string, ms: number) => {
  const m = tf.memory();
  console.log(
    `${label.padEnd(8)} ${(ms / 1000).toFixed(1).padStart(6)} s  tensors ${String(m.numTensors).padStart(5)}  ` +
      `tensor MB ${mb(m.numBytes).padStart(5)}  heap MB ${mb(heap()).padStart(5)}  ` +
      `malloc'd MB live ${mb(liveBytes).padStart(5)} peak ${mb(peakBytes).padStart(5)}  ` +
      `malloc ${mallocMs.toFixed(0)} ms  RSS MB ${mb(process.memoryUsage().rss)}`,
  );
  if (process.env.PEAK_DETAIL && peakSnapshot.length) {
    const big = peakSnapshot.filter((n) => n >= 2 ** 20);
    const hist = new Map<number, number>();
    for (const n of big) hist.set(n, (hist.get(n) ?? 0) + 1);
    console.log(
      `  near the peak: ${peakSnapshot.length} blocks, ${mb(big.reduce((a, b) => a + b, 0))} MB in blocks >= 1 MB; largest: ` +
        [...hist.entries()]
          .slice(0, 25)
          .map(([n, c]) => `${c}x${(n / 2 ** 20).toFixed(1)}`)
          .join(' '),
    );
  }
  peakBytes = liveBytes;
  snapAt = liveBytes;
  peakSnapshot = [];
  mallocMs = 0;
};

const net = createDepthNet({
  encoder: encoder as 'resnet50',
  inputShape: [Number(h), Number(w), 3],
  seed: 1,
});
const B = Number(batch);
const x = tf.randomNormal([B, Number(h), Number(w), 3], 0, 1, 'float32', 1);
const outShape = net.model.outputs[0].shape.map((d) => d ?? B);
const y = tf.randomNormal(outShape, 0, 1, 'float32', 2);
const opt = new FusedAdam({ learningRate: 1e-4 });
console.log(`${net.trainableVariables().length} trainable variables`);
report('built', 0);
let afterForward = 0;
for (let i = 0; i < Number(steps); i++) {
  const t0 = performance.now();
  const cost = opt.minimize(
    () => {
      const loss = tf.losses.meanSquaredError(y, net.forward(x, { training: true }).pred) as tf.Scalar;
      afterForward = liveBytes;
      return loss;
    },
    true,
    net.trainableVariables(),
  );
  const loss = cost?.dataSync()[0];
  cost?.dispose();
  report(`step ${i + 1}`, performance.now() - t0);
  console.log(`  loss ${loss?.toFixed(4)}; malloc'd at the end of the forward pass: ${mb(afterForward)} MB`);
}
