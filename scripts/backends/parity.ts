/**
 * Backend parity (issue #17; verification only, never needed by CI): the same runs, same seed, on
 * two backends (default tensorflow and wasm; the tensorflow one needs scripts/backends/tfjs-node-local.sh),
 * with every step's batch loss logged; prints the relative difference of the losses step by step (the
 * largest, and at chosen steps), the test metrics of both, then interrupts each run mid-way on one
 * backend and resumes it from checkpoints/last on the other, comparing the resumed steps with the
 * uninterrupted run on the resuming backend.
 *
 *   tsx --conditions=source scripts/backends/parity.ts [--backends tensorflow,wasm] [--cases quickstart,1d,resnet18]
 *       [--resume 1d,resnet18] [--out /tmp/bmse-parity] [--md parity.md]
 *
 * Cases: quickstart = `pnpm run train` (built-in config, 8 epochs); 1d = configs/synthetic/1d-bmc.yaml;
 * resnet18 = configs/imdb-wiki-dir/bmc-e2e-cpu.yaml (ResNet-18 1/4 width, BMC, learnable σ) for 2 epochs.
 * `--resume` names the cases whose cross-backend resume is checked (default 1d,resnet18; `none`: no case).
 * A backend may carry environment settings for its runs: `wasm+BMSE_NO_DNNL=1` (e.g. `--backends
 * wasm,wasm+BMSE_NO_DNNL=1` compares two convolution implementations of one backend).
 * Per-step losses go to <out>/<case>-steps.csv. Any backend initBackend knows works (e.g. webgpu,cpu).
 * initBackend allows one backend per process: every run is a child process of this script.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendPreference, describeBackend, initBackend, tf } from '@bmse/backend';
import { BUILTIN_CONFIG, LineReporter, loadConfig, type RunConfig, type TrainResult, train } from '@bmse/trainer';

interface Case {
  name: string;
  file: string | null;
  sets: string[];
}

const CASES: Record<string, Case> = {
  quickstart: { name: 'quickstart', file: null, sets: [] },
  '1d': { name: '1d', file: 'configs/synthetic/1d-bmc.yaml', sets: [] },
  resnet18: { name: 'resnet18', file: 'configs/imdb-wiki-dir/bmc-e2e-cpu.yaml', sets: ['schedule.epochs=2'] },
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const backends = arg('backends', 'tensorflow,wasm').split(',') as BackendPreference[];
const cases = arg('cases', 'quickstart,1d,resnet18').split(',');
const resumeCases = arg('resume', '1d,resnet18').split(',');
const out = path.resolve(arg('out', '/tmp/bmse-parity'));
const mdFile = arg('md', '');
const lines: string[] = [];
const say = (l = '') => {
  lines.push(l);
  process.stdout.write(`${l}\n`);
};

interface Step {
  step: number;
  batchLoss: number | null;
  sigma2: number | null;
}

const stepsOf = (dir: string): Step[] =>
  readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'step');

const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-30));

type RunResult = TrainResult & { seconds: number; backendLine: string };

interface WorkerJob {
  backend: BackendPreference;
  name: string;
  dir: string;
  stopAfter?: number;
  resume?: boolean;
}

/**
 * The child process: one train() on one backend, quiet, every step logged; prints the result as its last
 * line. Its job comes in BMSE_PARITY_JOB, not argv (tfjs-node's node-pre-gyp parses process.argv and
 * would take e.g. `--dir` for its own `--directory`).
 */
async function worker(job: WorkerJob): Promise<void> {
  const { backend, stopAfter } = job;
  const k = CASES[job.name];
  const info = await initBackend(backend);
  // tfjs' "install our node backend" banner (the cpu backend's first use): the backend is chosen on purpose
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
  const c = configOf(k);
  const stopSignal = { stop: false };
  const reporter = new LineReporter(1_000_000, () => {});
  const step = reporter.step.bind(reporter);
  let n = 0;
  reporter.step = (done, s) => {
    step(done, s);
    if (stopAfter !== undefined && ++n === stopAfter) stopSignal.stop = true;
  };
  const t0 = performance.now();
  const r = await train({
    config: c,
    runDir: job.dir,
    resume: job.resume,
    reporter,
    stopSignal,
    backend: info.backend,
  });
  const result: RunResult = { ...r, seconds: (performance.now() - t0) / 1000, backendLine: describeBackend(info) };
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

const configOf = (k: Case): RunConfig =>
  loadConfig(k.file, [...k.sets, 'printFreq=1', `name=parity-${k.name}`], BUILTIN_CONFIG);

/** Runs one train() in a child process (see worker). */
function run(
  name: string,
  backend: string,
  dir: string,
  opts: { stopAfter?: number; resume?: boolean } = {},
): RunResult {
  // "wasm+BMSE_NO_DNNL=1": the wasm backend with that environment (two variants of one backend)
  const [pref, ...assignments] = backend.split('+');
  const env = Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
  const job: WorkerJob = { backend: pref as BackendPreference, name, dir, ...opts };
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, ...env, BMSE_PARITY_JOB: JSON.stringify(job) },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !last.startsWith('{'))
    throw new Error(`${name} on ${backend} failed (exit ${r.status}): ${r.stdout.slice(-2000)}`);
  return JSON.parse(last) as RunResult;
}

/** Relative differences of the batch losses of two step logs (steps present in both). */
function compare(a: Step[], b: Step[]): { step: number; a: number; b: number; rel: number }[] {
  const byStep = new Map(b.map((s) => [s.step, s]));
  const outRows: { step: number; a: number; b: number; rel: number }[] = [];
  for (const s of a) {
    const t = byStep.get(s.step);
    if (!t || s.batchLoss == null || t.batchLoss == null) continue;
    outRows.push({ step: s.step, a: s.batchLoss, b: t.batchLoss, rel: rel(s.batchLoss, t.batchLoss) });
  }
  return outRows;
}

function summarise(rows: { step: number; rel: number }[]): string {
  if (!rows.length) return 'no common steps';
  const worst = rows.reduce((m, r) => (r.rel > m.rel ? r : m), rows[0]);
  const firstStep = rows[0].step;
  const pick = [...new Set([firstStep, firstStep + 1, firstStep + 9, ...quantileSteps(rows), rows.at(-1)?.step ?? 0])];
  const at = pick
    .map((s) => rows.find((r) => r.step === s))
    .filter((r): r is { step: number; rel: number } => r !== undefined)
    .map((r) => `${r.step}: ${r.rel.toExponential(1)}`)
    .join(', ');
  return `max ${worst.rel.toExponential(2)} (step ${worst.step}); at steps ${at}`;
}

function quantileSteps(rows: { step: number }[]): number[] {
  return [0.25, 0.5, 0.75].map((q) => rows[Math.floor(q * (rows.length - 1))].step);
}

const metric = (r: TrainResult, k: string) =>
  (r.test?.metrics.all as unknown as Record<string, number> | undefined)?.[k];

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  say(`# Backend parity: ${backends.join(' vs ')}`);
  say();
  say(`- tfjs ${tf.version.tfjs}, Node ${process.version}, ${new Date().toISOString()}`);
  const [A, B] = backends;
  let described = false;
  for (const name of cases) {
    const k = CASES[name];
    if (!k) throw new Error(`unknown case '${name}' (${Object.keys(CASES).join(', ')})`);
    say();
    say(`## ${name}: ${k.file ?? 'built-in quick-start config'}${k.sets.length ? ` (${k.sets.join(', ')})` : ''}`);
    const label = (b: string) => b.replace(/[^A-Za-z0-9_.-]+/g, '_');
    const dirs = { [A]: path.join(out, `${name}-${label(A)}`), [B]: path.join(out, `${name}-${label(B)}`) };
    const full: Record<string, RunResult> = {};
    for (const be of [A, B]) {
      rmSync(dirs[be], { recursive: true, force: true });
      full[be] = run(name, be, dirs[be]);
      if (!described) say(`- ${be}: ${full[be].backendLine}`);
    }
    described = true;
    const sa = stepsOf(dirs[A]);
    const sb = stepsOf(dirs[B]);
    const rows = compare(sa, sb);
    writeFileSync(
      path.join(out, `${name}-steps.csv`),
      `step,loss_${A},loss_${B},rel\n${rows.map((r) => `${r.step},${r.a},${r.b},${r.rel}`).join('\n')}\n`,
    );
    say(`- ${rows.length} steps; batch loss ${A} vs ${B}, relative difference: ${summarise(rows)}`);
    const lastA = sa.at(-1);
    const lastB = sb.at(-1);
    if (lastA?.sigma2 != null && lastB?.sigma2 != null)
      say(
        `- σ² after the last step: ${A} ${lastA.sigma2}, ${B} ${lastB.sigma2} (rel. ${rel(lastA.sigma2, lastB.sigma2).toExponential(2)})`,
      );
    for (const m of ['mae', 'bmae', 'mse']) {
      const va = metric(full[A], m);
      const vb = metric(full[B], m);
      if (va !== undefined && vb !== undefined)
        say(`- test ${m} (All): ${A} ${va.toFixed(4)}, ${B} ${vb.toFixed(4)} (rel. ${rel(va, vb).toExponential(2)})`);
    }
    say(
      `- time (whole run incl. evaluation): ${A} ${full[A].seconds.toFixed(1)} s, ${B} ${full[B].seconds.toFixed(1)} s`,
    );

    if (!resumeCases.includes(name)) continue;
    // a checkpoint from one backend resumed on the other, interrupted mid-epoch at 40% of the run
    const total = full[A].step;
    const stopAt = Math.floor(total * 0.4) + 1;
    for (const [from, to] of [
      [A, B],
      [B, A],
    ]) {
      const dir = path.join(out, `${name}-${label(from)}-then-${label(to)}`);
      rmSync(dir, { recursive: true, force: true });
      const first = run(name, from, dir, { stopAfter: stopAt });
      const second = run(name, to, dir, { resume: true });
      const resumed = stepsOf(dir).filter((s) => s.step > stopAt);
      // the first resumed steps continue the writer's run: the checkpoint carried its state over
      const vsFrom = compare(resumed, stepsOf(dirs[from]));
      const vsTo = compare(resumed, stepsOf(dirs[to]));
      const ok = first.status === 'interrupted' && second.status === 'completed' && second.step === total;
      say(
        `- ${from} → ${to}: interrupted at step ${first.step} (${first.status}), resumed on ${to} to step ${second.step} ` +
          `(${second.status}${ok ? '' : ' — UNEXPECTED'}); resumed steps vs the uninterrupted ${from} run (the writer): ` +
          `${summarise(vsFrom)}; vs the uninterrupted ${to} run: ${summarise(vsTo)}; ` +
          `test mae ${metric(second, 'mae')?.toFixed(4)} (uninterrupted ${to}: ${metric(full[to], 'mae')?.toFixed(4)})`,
      );
    }
  }
  if (mdFile) writeFileSync(mdFile, `${lines.join('\n')}\n`);
}

const job = process.env.BMSE_PARITY_JOB;
if (job) await worker(JSON.parse(job) as WorkerJob);
else await main();
