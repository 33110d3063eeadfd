/**
 * `pnpm run bench backend`: median ms per training step of (a) a 3-conv net,
 * batch 32 at 64x64x3, a plain tf.layers net (compile + trainOnBatch, SGD) on the same input, a MobileNet-style
 * depthwise-separable tf.layers net (the same way), (b) ResNet-18, batch 32 at 64x64x3, (c) ResNet-50, batch 8
 * at 224x224x3, on every tfjs backend available and, in the same run, PyTorch CPU
 * (Debian python3-torch) on the same shapes and thread count, with tfjs/PyTorch ratios.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The environment of a tfjs case: `wasm:openblas` is wasm with the oneDNN kernels switched off
 * (BMSE_NO_DNNL=1), `wasm:xnnpack` wasm without native kernels (BMSE_NO_NATIVE=1).
 */
export function backendEnv(backend: string, threads: number): NodeJS.ProcessEnv {
  const variant = backend.split(':')[1];
  return {
    ...process.env,
    BMSE_WASM_THREADS: String(threads),
    ...(variant === 'openblas' ? { BMSE_NO_DNNL: '1' } : variant === 'xnnpack' ? { BMSE_NO_NATIVE: '1' } : {}),
  };
}

export interface BackendBenchOptions {
  backends: string[];
  nets: string[];
  steps: number;
  warmup: number;
  threads: number;
  python: string;
}

const cases: Record<string, { net: string; batch: number; size: number; label: string }> = {
  conv3: { net: 'conv3', batch: 32, size: 64, label: '(a) 3-conv net, batch 32, 64x64x3' },
  plain: {
    net: 'plain',
    batch: 32,
    size: 64,
    label: 'plain tf.layers net (16/32/64, trainOnBatch, SGD), batch 32, 64x64x3',
  },
  separable: {
    net: 'separable',
    batch: 32,
    size: 64,
    label: 'depthwise-separable tf.layers net (MobileNet-style, trainOnBatch, SGD), batch 32, 64x64x3',
  },
  resnet18: { net: 'resnet18', batch: 32, size: 64, label: '(b) ResNet-18, batch 32, 64x64x3' },
  resnet50: { net: 'resnet50', batch: 8, size: 224, label: '(c) ResNet-50, batch 8, 224x224x3' },
};

interface Row {
  net: string;
  backend: string;
  ms: number | null;
  rssMb?: number;
  note?: string;
}

function runTfjsCase(backend: string, c: (typeof cases)[string], opts: BackendBenchOptions): Row {
  // The cpu backend is ~1000x slower than PyTorch on conv training: one step of the smallest net only.
  if (backend === 'cpu' && !['conv3', 'plain', 'separable'].includes(c.net)) {
    return { net: c.net, backend, ms: null, note: 'skipped: the cpu backend would take hours' };
  }
  const [warmup, steps] = backend === 'cpu' ? [0, 1] : [opts.warmup, opts.steps];
  const res = spawnSync(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      path.join(here, 'backend-case.ts'),
      backend.split(':')[0],
      c.net,
      String(c.batch),
      String(c.size),
      String(warmup),
      String(steps),
    ],
    { encoding: 'utf8', env: backendEnv(backend, opts.threads) },
  );
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  if (res.status !== 0 || !line) {
    const why = (res.stderr || res.stdout).trim().split('\n').slice(-1)[0];
    return { net: c.net, backend, ms: null, note: `unavailable: ${why}` };
  }
  const out = JSON.parse(line);
  if (out.error) {
    const reason =
      /not installed/.test(out.error) && backend === 'tensorflow' ? 'not installed (README: GPU)' : out.error;
    return { net: c.net, backend, ms: null, note: `unavailable: ${reason}` };
  }
  console.error(`  ${backend} ${c.net}: ${out.median_ms.toFixed(1)} ms  [${out.describe}]`);
  return { net: c.net, backend, ms: out.median_ms, rssMb: out.peak_rss_mb };
}

function runTorch(opts: BackendBenchOptions, nets: string[]): Map<string, { ms: number; rssMb: number }> | string {
  try {
    execFileSync(opts.python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return `skipped: ${opts.python} cannot import torch (install Debian's python3-torch)`;
  }
  const result = new Map<string, { ms: number; rssMb: number }>();
  // one process per case, so that peak RSS is per case
  for (const n of nets) {
    const spec = [{ ...cases[n], threads: opts.threads, warmup: opts.warmup, steps: opts.steps }];
    let out: string;
    try {
      out = execFileSync(opts.python, [path.join(here, 'torch_backend.py'), JSON.stringify(spec)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      const why = String((err as { stderr?: string }).stderr ?? err)
        .trim()
        .split('\n')
        .pop();
      console.error(`  pytorch ${n}: failed: ${why}`);
      continue;
    }
    const row = JSON.parse(out.trim().split('\n').pop() as string);
    console.error(`  pytorch ${row.net}: ${row.median_ms.toFixed(1)} ms  [torch ${row.torch}, ${row.threads} threads]`);
    result.set(row.net, { ms: row.median_ms, rssMb: row.peak_rss_mb });
  }
  return result;
}

export async function benchBackend(opts: BackendBenchOptions): Promise<void> {
  const nets = opts.nets.filter((n) => n in cases);
  console.error(
    `backend benchmark: ${opts.threads} threads, median of ${opts.steps} steps after ${opts.warmup} warm-up`,
  );
  const rows: Row[] = [];
  for (const net of nets) for (const backend of opts.backends) rows.push(runTfjsCase(backend, cases[net], opts));
  const torch = runTorch(opts, nets);
  const fmt = (v: number | null) => (v == null ? '—' : v.toFixed(1));
  console.log(`\n| case | backend | tfjs ms/step | PyTorch ms/step | tfjs / PyTorch | peak RSS MB (tfjs / PyTorch) |`);
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of rows) {
    const t = typeof torch === 'string' ? null : (torch.get(r.net) ?? null);
    const ratio = r.ms != null && t != null ? `${(r.ms / t.ms).toFixed(2)}x` : (r.note ?? '—');
    const rss = `${r.rssMb == null ? '—' : r.rssMb.toFixed(0)} / ${t == null ? '—' : t.rssMb.toFixed(0)}`;
    console.log(`| ${cases[r.net].label} | ${r.backend} | ${fmt(r.ms)} | ${fmt(t?.ms ?? null)} | ${ratio} | ${rss} |`);
  }
  if (typeof torch === 'string') console.log(`\nPyTorch: ${torch}`);
  console.log(
    `\nmachine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores; threads used: ${opts.threads}`,
  );
}
