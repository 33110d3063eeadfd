/**
 * Per-geometry convolution times of the native kernels, oneDNN against OpenBLAS (development aid, the
 * measurement behind DEFAULT_DNNL_MIN_POSITIONS in packages/backend/src/native/blas.ts):
 * `tsx --conditions=source scripts/bench/conv-geometries.ts <net> <batch> <size>`; net: conv3, plain,
 * resnet18, resnet50 or depth; size: 64 or HxW. Records every convolution of one training step, then
 * times forward / backward-data / backward-weights of each geometry on both kernel sets (mean of 3
 * calls after one warm-up, 2 threads).
 */
import { FusedAdam, initBackend, loadNativeBlas, type NativeBlas, tf } from '@bmse/backend';
import { createDepthNet } from '@bmse/models';
import { buildNet, type NetName } from './nets.js';

const [net = 'resnet18', batch = '32', size = '64'] = process.argv.slice(2);
await initBackend('wasm');
const status = loadNativeBlas(2);
if (!status.ok || !status.dnnl)
  throw new Error(`needs the oneDNN build of the native kernels: ${status.ok ? status.dnnlReason : status.reason}`);
const blas: NativeBlas = status.blas;

// N, H, W, C, OH, OW, CO, KH, KW, SH, SW, PT, PL (the native geometry)
const geometries = new Map<string, number[]>();
for (const name of ['Conv2D', 'FusedConv2D']) {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) continue;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    ...kernel,
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: tf.Tensor4D; filter: tf.Tensor4D };
      const a = args.attrs as Record<string, never>;
      const c = tf.backend_util.computeConv2DInfo(
        x.shape,
        filter.shape,
        a.strides,
        a.dilations ?? 1,
        a.pad,
        a.dimRoundingMode,
      );
      const g = [c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.outChannels];
      g.push(c.filterHeight, c.filterWidth, c.strideHeight, c.strideWidth, c.padInfo.top, c.padInfo.left);
      geometries.set(g.join(','), g);
      return kernel.kernelFunc(args);
    },
  });
}

const [h, w = h] = size.split('x').map(Number);
const model =
  net === 'depth'
    ? createDepthNet({ encoder: 'resnet50', inputShape: [h, w, 3], seed: 1 }).model
    : buildNet(net as NetName, [h, w, 3]);
const x = tf.randomNormal([Number(batch), h, w, 3]);
const y = tf.randomNormal(model.outputs[0].shape.map((d) => d ?? Number(batch)));
new FusedAdam({ learningRate: 1e-3 })
  .minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor), true)
  ?.dataSync();

const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const msPerCall = (f: () => void) => {
  f();
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) f();
  return (performance.now() - t0) / 3;
};
const totals = { onednn: [0, 0, 0], openblas: [0, 0, 0] };
for (const g of geometries.values()) {
  const [N, H, W, C, OH, OW, CO, KH, KW, SH] = g;
  const geometry = new Int32Array(g);
  const xs = random(N * H * W * C);
  const ws = random(KH * KW * C * CO);
  const dy = random(N * OH * OW * CO);
  const ys = new Float32Array(dy.length);
  const dx = new Float32Array(xs.length);
  const dw = new Float32Array(ws.length);
  const row: Record<string, number[]> = {};
  for (const [name, dnnl] of [
    ['onednn', true],
    ['openblas', false],
  ] as const) {
    blas.useDnnl(dnnl);
    blas.setDnnlMinPositions(0);
    row[name] = [
      msPerCall(() => blas.conv2dForward(xs, ws, ys, geometry)),
      msPerCall(() => blas.conv2dBackpropInput(dy, ws, dx, geometry)),
      msPerCall(() => blas.conv2dBackpropFilter(xs, dy, dw, geometry)),
    ];
    row[name].forEach((ms, i) => {
      totals[name][i] += ms;
    });
  }
  const fmt = (v: number[]) => v.map((ms) => ms.toFixed(2)).join(' ');
  console.log(
    `${C}@${H}x${W} k${KH}s${SH} -> ${CO}, positions ${N * OH * OW}, filter ${KH * KW * C * CO}: ` +
      `oneDNN ${fmt(row.onednn)} | OpenBLAS ${fmt(row.openblas)} ms (forward, backward data, backward weights)`,
  );
}
blas.useDnnl(true);
const fmt = (v: number[]) => v.map((ms) => ms.toFixed(1)).join(' ');
console.log(`totals over distinct geometries: oneDNN ${fmt(totals.onednn)} | OpenBLAS ${fmt(totals.openblas)} ms`);
