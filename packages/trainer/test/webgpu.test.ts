/**
 * train() on the webgpu backend (SwiftShader in CI) against the cpu backend, same seed: an
 * IMDB-WIKI-shaped folder of 16 training images (32 px), ResNet-18 at 1/8 width, Balanced MSE (BMC,
 * learnable σ in its own Adam group), FusedAdam with weight decay, FDS (statistics pass after each
 * epoch, smoothing in epoch 2), an LR milestone, evaluation every epoch, best/last checkpoints — 2
 * epochs of 2 steps. A run interrupted mid-epoch 2 on one backend resumes from checkpoints/last on the
 * other; every step's loss and σ² agree with an uninterrupted cpu run to float32 tolerance. Skipped,
 * with the reason printed, where Dawn finds no adapter.
 *
 * Conditioning: at 16 px with batches of 4, layer4's 1×1 maps leave batch norm 4 values per channel
 * and the two backends part by ×30 per step (1e-6 → 1e-3 in 4 steps); flat-colour images tie max-pool
 * windows. 32 px textured images in batches of 8 keep the steps within 1e-6 of each other.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend, preferSwiftShaderWhenUnset, probeWebGpu, tf } from '@bmse/backend';
import { type AgeSplit, writeAgeFixture, writeImage } from '@bmse/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { LineReporter, resolveConfig, type TrainResult, train } from '../src/index.js';

preferSwiftShaderWhenUnset();
const probe = await probeWebGpu();
if (!probe.ok) console.warn(`webgpu tests skipped: ${probe.reason}`);

const root = mkdtempSync(path.join(os.tmpdir(), 'bmse-webgpu-train-'));
const dataDir = path.join(root, 'data');
const epochs = 2;
const stepsPerEpoch = 2; // 16 training images in batches of 8
const side = 32;
const ages: [number, AgeSplit][] = [
  [3, 'train'],
  [5, 'train'],
  [5, 'train'],
  [7, 'train'],
  [2, 'train'],
  [6, 'train'],
  [8, 'train'],
  [4, 'train'],
  [9, 'train'],
  [3, 'train'],
  [6, 'train'],
  [5, 'train'],
  [2, 'train'],
  [7, 'train'],
  [4, 'train'],
  [6, 'train'],
  [5, 'val'],
  [6, 'val'],
  [5, 'test'],
  [4, 'test'],
];

/**
 * Pixel noise on a brightness set by the age, different per image. (The age fixture's flat colours
 * tie max-pool windows, whose gradient each backend routes to a different element, and give Adam's
 * first steps near-zero gradients to turn into ±lr: the two backends would part after a few steps.)
 */
function texture(i: number, age: number): Uint8Array {
  const data = new Uint8Array(side * side * 3);
  let h = 2166136261 ^ i;
  for (let k = 0; k < data.length; k++) {
    h = Math.imul(h ^ (h >>> 15), 2246822519) ^ k;
    data[k] = 40 + 15 * age + ((h >>> 8) % 80);
  }
  return data;
}
const stopAt = 3; // interrupt after step 3: epoch 2, batch 1 (a mid-epoch checkpoint)

const config = (name: string, backend: 'webgpu' | 'cpu') =>
  resolveConfig({
    name,
    row: 'Balanced MSE (BMC)',
    seed: 5,
    backend,
    data: { dataset: 'imdb-wiki-dir', dir: dataDir, imageSize: side, batchSize: 8, prefetch: 1 },
    model: { arch: 'resnet18', widthMultiplier: 0.125 },
    optimizer: { name: 'adam', lr: 1e-3, weightDecay: 1e-4 },
    schedule: { epochs, milestones: [1] },
    bmse: { enabled: true, impl: 'bmc', initNoiseSigma: 1, sigmaLr: 0.01 },
    // the statistics pass after every epoch (checkpointed), smoothing the features from epoch 2
    fds: { enabled: true, startUpdate: 0, startSmooth: 1 },
    evalEvery: 1,
    printFreq: 1,
  });

interface StepLog {
  step: number;
  batchLoss: number;
  sigma2: number;
}

const stepsOf = (dir: string): StepLog[] =>
  readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'step');

const times: string[] = [];

/** train() on `backend`; with `stop`, interrupted after that many steps (the reporter sets the stop signal). */
async function run(
  name: string,
  backend: 'webgpu' | 'cpu',
  opts: { stop?: number; resume?: boolean } = {},
): Promise<TrainResult & { leaked: number }> {
  await tf.setBackend(backend);
  const stopSignal = { stop: false };
  let steps = 0;
  const reporter = new LineReporter(1_000_000, () => {});
  const step = reporter.step.bind(reporter);
  reporter.step = (done, s) => {
    step(done, s);
    if (opts.stop !== undefined && ++steps === opts.stop) stopSignal.stop = true;
  };
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const r = await train({
    config: config(name, backend),
    runDir: path.join(root, name),
    resume: opts.resume,
    reporter,
    stopSignal,
    backend,
  });
  times.push(
    `${name} on ${backend}${opts.resume ? ' (resumed)' : ''}: ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { ...r, leaked: tf.memory().numTensors - before };
}

/** |a − b| relative to |b| (float32 rounding differs between the backends' kernels). */
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe.skipIf(!probe.ok)('train() on webgpu', () => {
  beforeAll(async () => {
    const samples = ages.map(([age, split]) => ({ age, split }));
    const rows = await writeAgeFixture(dataDir, { kind: 'imdb-wiki', samples });
    for (const [i, r] of rows.entries())
      await writeImage(path.join(dataDir, r.path), { width: side, height: side, data: texture(i, r.age) }, 'jpeg');
    await initBackend('webgpu');
  });

  it('per-step losses and σ as on cpu; a checkpoint from either backend resumes on the other', async () => {
    const ref = await run('cpu', 'cpu');
    const gpuFirst = await run('webgpu-then-cpu', 'webgpu', { stop: stopAt });
    const gpuFirstLeaked = gpuFirst.leaked;
    const gpuFirstEnd = await run('webgpu-then-cpu', 'cpu', { resume: true });
    const cpuFirst = await run('cpu-then-webgpu', 'cpu', { stop: stopAt });
    const gpuSecond = await run('cpu-then-webgpu', 'webgpu', { resume: true });

    expect(ref.status).toBe('completed');
    expect(gpuFirst).toMatchObject({ status: 'interrupted', epoch: 1, step: stopAt });
    expect(cpuFirst).toMatchObject({ status: 'interrupted', epoch: 1, step: stopAt });
    for (const r of [gpuFirstEnd, gpuSecond])
      expect(r).toMatchObject({ status: 'completed', step: epochs * stepsPerEpoch });
    // no tensor left behind on webgpu that cpu does not leave too (BalancedMSELoss keeps the scalar σ₀
    // it made its variable from, and setSigma's on resume, on every backend)
    expect(gpuFirstLeaked).toBe(cpuFirst.leaked);
    expect(gpuSecond.leaked).toBe(gpuFirstEnd.leaked);

    const want = stepsOf(path.join(root, 'cpu'));
    expect(want.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    const a = stepsOf(path.join(root, 'webgpu-then-cpu')); // steps 1–3 webgpu, 4 cpu
    const b = stepsOf(path.join(root, 'cpu-then-webgpu')); // steps 1–3 cpu, 4 webgpu
    const fmt = (l: StepLog[]) => l.map((s) => `${s.batchLoss.toFixed(5)} (σ² ${s.sigma2.toFixed(6)})`).join(', ');
    console.log(times.join('; '));
    console.log(`cpu:               ${fmt(want)}\nwebgpu → cpu:      ${fmt(a)}\ncpu → webgpu:      ${fmt(b)}`);
    expect(a.map((s) => s.step)).toEqual(want.map((s) => s.step));
    expect(b.map((s) => s.step)).toEqual(want.map((s) => s.step));
    const worst = Math.max(
      ...want.flatMap((w, i) => [rel(a[i].batchLoss, w.batchLoss), rel(b[i].batchLoss, w.batchLoss)]),
    );
    console.log(`largest relative loss difference to cpu: ${worst.toExponential(2)}`);
    for (let i = 0; i < epochs * stepsPerEpoch; i++) {
      expect(rel(a[i].batchLoss, want[i].batchLoss)).toBeLessThan(2e-5);
      expect(rel(b[i].batchLoss, want[i].batchLoss)).toBeLessThan(2e-5);
      expect(rel(a[i].sigma2, want[i].sigma2)).toBeLessThan(2e-6);
      expect(rel(b[i].sigma2, want[i].sigma2)).toBeLessThan(2e-6);
    }
    // the cpu steps before the interruption are the reference run's, bit for bit
    const values = (l: StepLog[]) => l.map((s) => [s.batchLoss, s.sigma2]);
    expect(values(b.slice(0, stopAt))).toEqual(values(want.slice(0, stopAt)));
    expect(want[3].sigma2).not.toBe(1); // σ learnt

    // the best checkpoint evaluated on test (on the backend that finished the run)
    const mae = (r: TrainResult) => (r.test?.metrics.all as { mae: number } | undefined)?.mae ?? Number.NaN;
    expect(gpuSecond.test?.backend).toBe('webgpu');
    expect(rel(mae(gpuSecond), mae(ref))).toBeLessThan(1e-4);
    expect(rel(mae(gpuFirstEnd), mae(ref))).toBeLessThan(1e-4);
  });
});
