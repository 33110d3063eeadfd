/**
 * `pnpm run bench models`: median ms per forward pass (inference) and per training
 * step (train mode, MSE, Adam) and peak memory of (a) the ResNet-50 regressor,
 * batch 8 at 224x224 and (b) the depth network (ResNet-50 encoder), batch 2 at
 * 228x304, on each tfjs backend (each case in its own process: one backend per
 * process) and, in the same run, the same PyTorch models on CPU (torch_models.py),
 * with tfjs/PyTorch ratios. Run with `--case` it is that child process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendEnv } from './backend.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);

export interface ModelsBenchOptions {
  backends: string[];
  cases: string[];
  steps: number;
  warmup: number;
  threads: number;
  python: string;
}

export const modelCases: Record<
  string,
  { net: 'resnet50' | 'depth'; batch: number; h: number; w: number; label: string }
> = {
  resnet50: { net: 'resnet50', batch: 8, h: 224, w: 224, label: 'ResNet-50 regressor, batch 8, 224x224' },
  depth: { net: 'depth', batch: 2, h: 228, w: 304, label: 'depth net (ResNet-50 E), batch 2, 228x304' },
};

interface Result {
  forward_ms: number;
  train_ms: number;
  peak_rss_mb: number;
  params?: number;
}

/** Child process: one case on one backend; prints one JSON line. */
async function runCase(backend: string, name: string, warmup: number, steps: number): Promise<void> {
  process.setSourceMapsEnabled(false); // as in backend-case.ts: measured as a compiled program runs
  const { describeBackend, FusedAdam, initBackend, tf } = await import('@bmse/backend');
  const { createDepthNet, createResNetRegressor } = await import('@bmse/models');
  const info = await initBackend(backend as 'wasm' | 'cpu' | 'tensorflow');
  const c = modelCases[name];
  const net =
    c.net === 'resnet50'
      ? createResNetRegressor({ depth: 50, inputShape: [c.h, c.w, 3], seed: 1 })
      : createDepthNet({ encoder: 'resnet50', inputShape: [c.h, c.w, 3], seed: 1 });
  const x = tf.randomNormal([c.batch, c.h, c.w, 3], 0, 1, 'float32', 1);
  const outShape = net.model.outputs[0].shape.map((d) => d ?? c.batch);
  const y = tf.randomNormal(outShape, 0, 1, 'float32', 2);
  const opt = new FusedAdam({ learningRate: 1e-4 });
  const timed = (fn: () => void) => {
    const t: number[] = [];
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = performance.now();
      fn();
      if (i >= warmup) t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    return t[Math.floor(t.length / 2)];
  };
  const forward = () => {
    const p = net.predict(x);
    p.dataSync();
    p.dispose();
  };
  const train = () => {
    const cost = opt.minimize(
      () => tf.losses.meanSquaredError(y, net.forward(x, { training: true }).pred) as ReturnType<typeof tf.scalar>,
      true,
      net.trainableVariables(),
    );
    cost?.dataSync();
    cost?.dispose();
  };
  const forward_ms = timed(forward);
  const train_ms = timed(train);
  // (tf.profile would give peak tensor bytes, but it reads back every kernel's output: hours for the depth net)
  console.log(
    JSON.stringify({
      describe: describeBackend(info),
      forward_ms,
      train_ms,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
      params: net.countParameters(),
    }),
  );
}

function tfjsCase(backend: string, name: string, opts: ModelsBenchOptions): Result | string {
  if (backend === 'cpu') return 'skipped: the cpu backend would take hours';
  const res = spawnSync(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      self,
      '--case',
      backend.split(':')[0],
      name,
      String(opts.warmup),
      String(opts.steps),
    ],
    { encoding: 'utf8', env: backendEnv(backend, opts.threads), maxBuffer: 1 << 24 },
  );
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  if (res.status !== 0 || !line) return `unavailable: ${(res.stderr || res.stdout).trim().split('\n').slice(-1)[0]}`;
  const out = JSON.parse(line);
  console.error(
    `  ${backend} ${name}: forward ${out.forward_ms.toFixed(0)} ms, step ${out.train_ms.toFixed(0)} ms [${out.describe}]`,
  );
  return out;
}

function torchCases(opts: ModelsBenchOptions, names: string[]): Map<string, Result> | string {
  try {
    execFileSync(opts.python, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
  } catch {
    return `skipped: ${opts.python} cannot import torch and torchvision (Debian python3-torch, python3-torchvision)`;
  }
  const out = new Map<string, Result>();
  // one process per case so peak RSS is per case
  for (const name of names) {
    const spec = [{ name, ...modelCases[name], threads: opts.threads, warmup: opts.warmup, steps: opts.steps }];
    const text = execFileSync(opts.python, [path.join(here, 'torch_models.py'), JSON.stringify(spec)], {
      encoding: 'utf8',
    });
    const row = JSON.parse(text.trim().split('\n').pop()!);
    console.error(
      `  pytorch ${name}: forward ${row.forward_ms.toFixed(0)} ms, step ${row.train_ms.toFixed(0)} ms [torch ${row.torch}, ${row.threads} threads]`,
    );
    out.set(name, row);
  }
  return out;
}

export async function benchModels(opts: ModelsBenchOptions): Promise<void> {
  const names = opts.cases.filter((n) => n in modelCases);
  console.error(`models benchmark: ${opts.threads} threads, median of ${opts.steps} after ${opts.warmup} warm-up`);
  const rows: { name: string; backend: string; r: Result | string }[] = [];
  for (const name of names)
    for (const backend of opts.backends) rows.push({ name, backend, r: tfjsCase(backend, name, opts) });
  const torch = torchCases(opts, names);
  const f = (v: number | undefined) => (v == null ? '—' : v.toFixed(0));
  const ratio = (a: number | undefined, b: number | undefined) =>
    a != null && b != null ? `${(a / b).toFixed(2)}x` : '—';
  console.log(
    '\n| case | backend | forward ms (tfjs / PyTorch / ratio) | train step ms (tfjs / PyTorch / ratio) | peak RSS MB (tfjs / PyTorch) |',
  );
  console.log('|---|---|---|---|---|');
  for (const { name, backend, r } of rows) {
    const t = typeof torch === 'string' ? undefined : torch.get(name);
    if (typeof r === 'string') {
      console.log(`| ${modelCases[name].label} | ${backend} | ${r} | | | |`);
      continue;
    }
    console.log(
      `| ${modelCases[name].label} | ${backend} | ${f(r.forward_ms)} / ${f(t?.forward_ms)} / ${ratio(r.forward_ms, t?.forward_ms)} | ` +
        `${f(r.train_ms)} / ${f(t?.train_ms)} / ${ratio(r.train_ms, t?.train_ms)} | ${f(r.peak_rss_mb)} / ${f(t?.peak_rss_mb)} |`,
    );
  }
  if (typeof torch === 'string') console.log(`\nPyTorch: ${torch}`);
  console.log(
    `\nmachine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores; threads used: ${opts.threads}`,
  );
}

if (process.argv[1] === self && process.argv[2] === '--case') {
  const [backend, name, warmup, steps] = process.argv.slice(3);
  await runCase(backend, name, Number(warmup), Number(steps));
}
