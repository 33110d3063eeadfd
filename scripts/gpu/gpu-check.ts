/**
 * The Node half of scripts/gpu/check.sh (bundled by build.mjs into one file that travels
 * without node_modules). Without arguments: which backend initBackend('auto') picks and why it
 * skipped the others, as one JSON line. `--bench [backend]`: the `pnpm run bench backend` cases
 * plus ResNet-50 batch 32 at 224 on that backend (default: auto's pick), each in its own process
 * (one tfjs backend per process), printing one JSON line per case.
 * `--case <backend> <net> <batch> <size> <warmup> <steps>`: one case (internal); `--torch-cases`: the
 * cases as torch_cuda.py's argument; `--table <bench lines> [<torch lines>]`: the Markdown table.
 * GPU_CHECK_WARMUP / GPU_CHECK_STEPS (default 2 / 5): steps per case; GPU_CHECK_CASES (e.g. "a,d"): which cases.
 * Losses are read with await: webgpu in Node cannot read synchronously.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BackendPreference, describeBackend, FusedAdam, initBackend, tf } from '@bmse/backend';
import { buildNet, type NetName } from '../bench/nets.js';

export const benchCases = [
  { net: 'conv3', batch: 32, size: 64, label: '(a) 3-conv net, batch 32, 64x64x3' },
  { net: 'resnet18', batch: 32, size: 64, label: '(b) ResNet-18, batch 32, 64x64x3' },
  { net: 'resnet50', batch: 8, size: 224, label: '(c) ResNet-50, batch 8, 224x224x3' },
  { net: 'resnet50', batch: 32, size: 224, label: '(d) ResNet-50, batch 32, 224x224x3' },
] as const;

async function runCase(args: string[]): Promise<void> {
  const [backend, net, batch, size, warmup, steps] = args;
  const info = await initBackend(backend as BackendPreference);
  const model = buildNet(net as NetName, [Number(size), Number(size), 3]);
  const optimizer = new FusedAdam({ learningRate: 1e-3 });
  const x = tf.randomNormal([Number(batch), Number(size), Number(size), 3], 0, 1, 'float32', 1);
  const y = tf.randomNormal([Number(batch), 1], 0, 1, 'float32', 2);
  const times: number[] = [];
  for (let i = 0; i < Number(warmup) + Number(steps); i++) {
    const t0 = performance.now();
    const cost = optimizer.minimize(
      () => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    ) as tf.Scalar;
    await cost.data(); // waits for the GPU
    cost.dispose();
    if (i >= Number(warmup)) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    JSON.stringify({
      backend: info.backend,
      describe: describeBackend(info),
      net,
      batch: Number(batch),
      size: Number(size),
      median_ms: median,
    }),
  );
}

/** GPU_CHECK_CASES (e.g. "a,b"): a subset of the cases by letter; default all. */
function selectedCases() {
  const pick = (process.env.GPU_CHECK_CASES ?? '').split(',').filter(Boolean);
  return pick.length ? benchCases.filter((c) => pick.some((p) => c.label.startsWith(`(${p})`))) : benchCases;
}

async function bench(backendArg: string | undefined, warmup: number, steps: number): Promise<void> {
  const backend = backendArg ?? (await initBackend('auto')).backend;
  const self = fileURLToPath(import.meta.url);
  for (const c of selectedCases()) {
    const res = spawnSync(
      process.execPath,
      [self, '--case', backend, c.net, String(c.batch), String(c.size), String(warmup), String(steps)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
    const error =
      res.status === 0 && line ? undefined : (res.stderr || res.stdout).trim().split('\n').slice(-3).join(' | ');
    console.log(
      line && !error
        ? JSON.stringify({ label: c.label, ...JSON.parse(line) })
        : JSON.stringify({ label: c.label, backend, net: c.net, error }),
    );
  }
}

/** Markdown table from the --bench lines and torch_cuda.py's lines (files; the second may be absent). */
function printTable(tfjsFile: string, torchFile: string | undefined): void {
  const read = (f: string | undefined) =>
    f && fs.existsSync(f)
      ? fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
      : [];
  const torch = read(torchFile);
  console.log('| case | tfjs backend | tfjs ms/step | PyTorch CUDA ms/step | tfjs / PyTorch |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of read(tfjsFile)) {
    const t = torch.find((p) => p.net === r.net && p.batch === r.batch && p.size === r.size && p.median_ms != null);
    const ms = r.median_ms == null ? `— (${r.error})` : r.median_ms.toFixed(1);
    const ratio = r.median_ms != null && t ? `${(r.median_ms / t.median_ms).toFixed(2)}x` : '—';
    console.log(`| ${r.label} | ${r.describe ?? r.backend} | ${ms} | ${t ? t.median_ms.toFixed(1) : '—'} | ${ratio} |`);
  }
}

const [mode, ...rest] = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v >= 0 ? v : dflt;
};
const warmup = num('GPU_CHECK_WARMUP', 2);
const steps = num('GPU_CHECK_STEPS', 5);
if (mode === '--case') await runCase(rest);
else if (mode === '--bench') await bench(rest[0] || undefined, warmup, steps);
else if (mode === '--torch-cases') console.log(JSON.stringify(selectedCases().map((c) => ({ ...c, warmup, steps }))));
else if (mode === '--table') printTable(rest[0], rest[1]);
else {
  const info = await initBackend('auto');
  console.log(
    JSON.stringify({
      backend: info.backend,
      device: info.device,
      adapter: info.adapter,
      skipped: info.skipped,
      describe: describeBackend(info),
    }),
  );
}
