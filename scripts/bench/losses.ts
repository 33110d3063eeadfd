/**
 * `pnpm run bench losses`: median ms of forward + backward of the Balanced MSE losses, beside PyTorch
 * CPU (Debian python3-torch, scripts/bench/torch_losses.py) running the official formulas on the
 * same inputs in the same run, with tfjs/PyTorch ratios and peak memory:
 *   (a) BMC, batch 256, 1-D (integer ages, σ learnable)
 *   (b) BMC-MD, batch 256, d = 72 (σ learnable)
 *   (c) BNI, 100 NYUD2 buckets, over P = 32·114·152 pixels (σ fixed, the NYUD2 recipe)
 *   (d) GAI, K = 16 (the NYUD2 GMM), over the same P pixels
 *   (e) BMC with 1024 shared negatives per row (BalancedMSE issue #5) over the same P pixels
 * Every case runs in its own process (one tfjs backend per process; clean peak-memory numbers).
 * Run directly with `--case <dir>/<name>.json` it is the child that times one tfjs case.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { tf } from '@bmse/backend';

const here = path.dirname(fileURLToPath(import.meta.url));
// @bmse/losses is not a dependency of the workspace root: load it from its sources (tsx runs TypeScript)
type Losses = typeof import('@bmse/losses');
const loadLosses = (): Promise<Losses> => import('@bmse/losses');
const P = 32 * 114 * 152;

export interface LossesBenchOptions {
  cases: string[];
  backend: string;
  /** timed runs; default per case (200 for the small cases, 5 for the per-pixel ones, 1 for (e)) */
  steps?: number;
  /** warm-up runs (the JIT needs some on the small cases); default per case (100 / 2 / 1) */
  warmup?: number;
  threads: number;
  python: string;
}

export interface LossCase {
  name: 'bmc' | 'bmc_md' | 'bni' | 'gai' | 'bmc_bounded';
  label: string;
  B: number;
  d: number;
  sigma: number;
  learnable_sigma: boolean;
  /** default warm-up and timed runs */
  runs: [number, number];
}

export const lossCases: Record<string, LossCase> = {
  a: {
    name: 'bmc',
    label: '(a) BMC, batch 256, 1-D',
    B: 256,
    d: 1,
    sigma: 10,
    learnable_sigma: true,
    runs: [100, 200],
  },
  b: {
    name: 'bmc_md',
    label: '(b) BMC-MD, batch 256, d = 72',
    B: 256,
    d: 72,
    sigma: 1,
    learnable_sigma: true,
    runs: [100, 200],
  },
  c: {
    name: 'bni',
    label: '(c) BNI, 100 buckets, P = 32·114·152 px',
    B: P,
    d: 1,
    sigma: 1,
    learnable_sigma: false,
    runs: [2, 5],
  },
  d: {
    name: 'gai',
    label: '(d) GAI, K = 16, P = 32·114·152 px',
    B: P,
    d: 1,
    sigma: 1,
    learnable_sigma: false,
    runs: [2, 5],
  },
  e: {
    name: 'bmc_bounded',
    label: '(e) BMC, 1024 negatives, P = 32·114·152 px',
    B: P,
    d: 1,
    sigma: 1,
    learnable_sigma: false,
    runs: [1, 1], // PyTorch needs ~40 s and 13 GiB per run of this case
  },
};

/** xorshift32 uniform [0, 1) and Box–Muller normals: reproducible inputs without tfjs. */
function rng(seed: number): { uniform: () => number; normal: () => number } {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

function writeF32(dir: string, name: string, values: ArrayLike<number>): void {
  fs.writeFileSync(path.join(dir, name), Buffer.from(Float32Array.from(values).buffer));
}

function readF32(dir: string, name: string): Float32Array {
  const buf = fs.readFileSync(path.join(dir, name));
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

/** Writes the inputs of one case (shared by the tfjs child and the PyTorch peer). */
async function writeInputs(key: string, c: LossCase, dir: string): Promise<void> {
  const losses = await loadLosses();
  const r = rng(key.charCodeAt(0));
  fs.mkdirSync(dir, { recursive: true });
  const n = c.B * c.d;
  const target = new Float32Array(n);
  const pred = new Float32Array(n);
  if (c.name === 'bmc') {
    // integer ages, skewed towards 20-40 like IMDB-WIKI
    for (let i = 0; i < n; i++) target[i] = Math.min(100, Math.max(0, Math.round(30 + 12 * r.normal())));
    for (let i = 0; i < n; i++) pred[i] = target[i] + 8 * r.normal();
  } else if (c.name === 'bmc_md') {
    for (let i = 0; i < n; i++) target[i] = r.normal();
    for (let i = 0; i < n; i++) pred[i] = 0.5 * target[i] + 0.8 * r.normal();
  } else {
    // NYUD2-like depths: bins drawn from the training histogram, 8-bit PNG quantisation (×10/255 m)
    const counts = losses.nyud2FilledCounts().slice(losses.NYUD2_BUCKET_START);
    const total = counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) {
      let u = r.uniform() * total;
      let b = 0;
      while (b < counts.length - 1 && u >= counts[b]) u -= counts[b++];
      const depth = 0.1 * (b + losses.NYUD2_BUCKET_START) + 0.1 * r.uniform();
      target[i] = (Math.round((depth * 255) / 10) * 10) / 255;
      pred[i] = target[i] + 0.3 * r.normal();
    }
    if (c.name === 'bni') {
      const info = losses.nyud2BucketInfo();
      writeF32(dir, 'centers.bin', info.centers);
      writeF32(dir, 'weights.bin', info.weights);
    } else if (c.name === 'gai') {
      const gmm = losses.fitGmm(losses.nyud2GmmPseudoLabels(), 16, { seed: 0 });
      fs.writeFileSync(path.join(dir, 'gmm.json'), JSON.stringify(gmm.toJSON()));
    } else {
      const idx = losses.sampleNegativeIndices(n, 1024, r.uniform);
      fs.writeFileSync(path.join(dir, 'negatives.json'), JSON.stringify(Array.from(idx)));
      writeF32(
        dir,
        'negatives.bin',
        Array.from(idx, (i) => target[i]),
      );
    }
  }
  writeF32(dir, 'target.bin', target);
  writeF32(dir, 'pred.bin', pred);
}

interface Result {
  median_ms: number;
  loss: number;
  peak_extra_mib: number;
  describe?: string;
  torch?: string;
  threads?: number;
}

/** The child: times one case with tfjs and prints one JSON line. */
async function runCase(file: string): Promise<void> {
  const job = JSON.parse(fs.readFileSync(file, 'utf8')) as LossCase & {
    dir: string;
    backend: string;
    warmup: number;
    steps: number;
  };
  const { describeBackend, initBackend, tf } = await import('@bmse/backend');
  const losses = await loadLosses();
  const info = await initBackend(job.backend as 'wasm');
  const shape = [job.B, job.d];
  const pred = tf.tensor(readF32(job.dir, 'pred.bin'), shape);
  const target = tf.tensor(readF32(job.dir, 'target.bin'), shape);
  const sigma = tf.scalar(job.sigma);
  let loss: (p: tf.Tensor, s: tf.Tensor | number) => tf.Scalar;
  if (job.name === 'bmc') loss = (p, s) => losses.bmcLoss(p, target, s);
  else if (job.name === 'bmc_md') loss = (p, s) => losses.bmcLossMD(p, target, s);
  else if (job.name === 'bni') {
    const centers = Array.from(readF32(job.dir, 'centers.bin'));
    const weights = Array.from(readF32(job.dir, 'weights.bin'));
    loss = (p, s) => losses.bniLoss(p, target, centers, weights, s);
  } else if (job.name === 'gai') {
    const gmm = JSON.parse(fs.readFileSync(path.join(job.dir, 'gmm.json'), 'utf8'));
    loss = (p, s) => losses.gaiLoss(p, target, gmm, s);
  } else {
    const negativeIndices = JSON.parse(fs.readFileSync(path.join(job.dir, 'negatives.json'), 'utf8'));
    loss = (p, s) => losses.bmcLossBounded(p, target, s, { negativeIndices });
  }
  const step = (): number => {
    const args = job.learnable_sigma ? [pred, sigma] : [pred];
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) =>
      loss(xs[0], job.learnable_sigma ? tf.square(xs[1]) : job.sigma ** 2),
    )(args);
    const v = value.dataSync()[0];
    for (const g of grads) g.dataSync();
    tf.dispose([value, ...grads]);
    return v;
  };
  const rss0 = process.resourceUsage().maxRSS;
  const times: number[] = [];
  let value = 0;
  for (let i = 0; i < job.warmup + job.steps; i++) {
    const t0 = performance.now();
    value = step();
    if (i >= job.warmup) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const result: Result = {
    median_ms: times[Math.floor(times.length / 2)],
    loss: value,
    peak_extra_mib: (process.resourceUsage().maxRSS - rss0) / 1024,
    describe: describeBackend(info),
  };
  console.log(JSON.stringify(result));
}

function child(file: string, opts: LossesBenchOptions): Result | string {
  const res = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fileURLToPath(import.meta.url), '--case', file],
    { encoding: 'utf8', env: { ...process.env, BMSE_WASM_THREADS: String(opts.threads) }, maxBuffer: 1 << 24 },
  );
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  if (res.status !== 0 || !line) return `failed: ${(res.stderr || res.stdout).trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(line) as Result;
}

/** PyTorch at `threads` and, unless the case is too long for two runs, at 1 thread: the faster one. */
function torch(file: string, opts: LossesBenchOptions, c: LossCase): Result | string {
  try {
    execFileSync(opts.python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return `skipped: ${opts.python} cannot import torch (install Debian's python3-torch)`;
  }
  const main = torchOnce(file, opts);
  if (opts.threads <= 1 || c.name === 'bmc_bounded' || typeof main === 'string') return main;
  // OpenMP barriers suffer when another process holds a core; single-threaded PyTorch is then faster
  const single = file.replace(/\.json$/, '.1thread.json');
  fs.writeFileSync(single, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), threads: 1 }));
  const one = torchOnce(single, opts);
  return typeof one !== 'string' && one.median_ms < main.median_ms ? one : main;
}

function torchOnce(file: string, opts: LossesBenchOptions): Result | string {
  const res = spawnSync(opts.python, [path.join(here, 'torch_losses.py'), file], { encoding: 'utf8' });
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  if (res.status !== 0 || !line) {
    return `failed (${res.signal ?? res.status}): ${(res.stderr || '').trim().split('\n').slice(-1)[0]}`;
  }
  return JSON.parse(line) as Result;
}

export async function benchLosses(opts: LossesBenchOptions): Promise<void> {
  const keys = opts.cases.filter((k) => k in lossCases);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bmse-bench-losses-'));
  console.error(
    `losses benchmark: ${opts.backend} backend, ${opts.threads} threads (tfjs and PyTorch), ` +
      `median of ${opts.steps ?? 'per-case'} forward+backward after ${opts.warmup ?? 'per-case'} warm-up; inputs in ${root}`,
  );
  const rows: Array<{ c: LossCase; tfjs: Result | string; torch: Result | string }> = [];
  try {
    for (const key of keys) {
      const c = lossCases[key];
      const dir = path.join(root, key);
      await writeInputs(key, c, dir);
      const file = path.join(dir, 'case.json');
      const warmup = opts.warmup ?? c.runs[0];
      const steps = opts.steps ?? c.runs[1];
      const job = { ...c, dir, backend: opts.backend, warmup, steps, threads: opts.threads };
      fs.writeFileSync(file, JSON.stringify(job));
      const t = child(file, opts);
      const p = torch(file, opts, c);
      const show = (who: string, r: Result | string) =>
        console.error(
          `  ${c.label} ${who}: ${typeof r === 'string' ? r : `${r.median_ms.toFixed(2)} ms, loss ${r.loss.toPrecision(7)}, +${r.peak_extra_mib.toFixed(0)} MiB${r.threads ? `, ${r.threads} thread(s)` : ''}`}`,
        );
      show('tfjs', t);
      show('pytorch', p);
      rows.push({ c, tfjs: t, torch: p });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  const ms = (r: Result | string) => (typeof r === 'string' ? '—' : r.median_ms.toFixed(2));
  const mib = (r: Result | string) => (typeof r === 'string' ? '—' : r.peak_extra_mib.toFixed(0));
  console.log(
    '\n| case | tfjs ms | PyTorch ms (threads) | tfjs / PyTorch | tfjs peak +MiB | PyTorch peak +MiB | loss tfjs / PyTorch |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const { c, tfjs: t, torch: p } of rows) {
    const ratio =
      typeof t !== 'string' && typeof p !== 'string'
        ? `${(t.median_ms / p.median_ms).toFixed(2)}x`
        : typeof t === 'string'
          ? t
          : (p as string);
    const losses =
      typeof t !== 'string' && typeof p !== 'string' ? `${t.loss.toPrecision(6)} / ${p.loss.toPrecision(6)}` : '—';
    const pt = typeof p === 'string' ? '—' : `${ms(p)} (${p.threads})`;
    console.log(`| ${c.label} | ${ms(t)} | ${pt} | ${ratio} | ${mib(t)} | ${mib(p)} | ${losses} |`);
  }
  const first = rows.find((r) => typeof r.tfjs !== 'string')?.tfjs as Result | undefined;
  const firstTorch = rows.find((r) => typeof r.torch !== 'string')?.torch as Result | undefined;
  console.log(
    `\ntfjs: ${first?.describe ?? opts.backend}; PyTorch ${firstTorch?.torch ?? 'n/a'}, the faster of ${opts.threads} and 1 thread(s) (${opts.threads} for (e)); ` +
      `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores. Peak memory = growth of the ` +
      "process's max RSS during the timed loop.",
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--case');
  if (i < 0) throw new Error('usage: losses.ts --case <case.json> (or run `pnpm run bench losses`)');
  await runCase(process.argv[i + 1]);
}
