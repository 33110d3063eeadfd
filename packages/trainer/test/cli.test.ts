/**
 * The command line as a user runs it (child processes): the fault tests of issue #6 — SIGKILL at
 * an arbitrary moment then `train --resume`, SIGINT saving `last`, `eval` reproducing the test table,
 * and user mistakes printed as one message without a stack trace.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBackend } from './helpers.js';

const repo = path.resolve(__dirname, '../../..');
const main = path.join(repo, 'packages/trainer/src/cli/main.ts');
// as `pnpm run train` runs it: one node process with tsx's loader (signals reach the trainer directly)
const node = process.execPath;
const root = mkdtempSync(path.join(os.tmpdir(), 'bmse-cli-'));
const config = path.join(root, 'tiny.yaml');

// a small synthetic-age run: ~500 16-px images, ResNet-18 at 1/8 width, 3 epochs
writeFileSync(
  config,
  `name: tiny
row: Vanilla
backend: ${cliBackend}
data:
  dataset: synthetic-age
  dir: ${path.join(root, 'data')}
  imageSize: 16
  batchSize: 32
  synthetic: { size: 16, maxCount: 20, minCount: 3, maxSize: 2 }
model: { arch: resnet18, widthMultiplier: 0.125 }
schedule: { epochs: 3, milestones: [2] }
printFreq: 1
`,
);

const tsxLoader = pathToFileURL(path.join(repo, 'node_modules/tsx/dist/loader.mjs')).href;
const args = (...a: string[]) => ['--conditions=source', '--import', tsxLoader, main, ...a];
// on BMSE_BACKEND=tensorflow, tfjs-node and TensorFlow's C library print lines of their own to stderr on load
// ("Platform node has already been set", absl's I0000 … port.cc oneDNN notice): not ours, left out of the checks
const loadNoise =
  /^(Platform node has already been set\..*|WARNING: All log messages before absl::InitializeLog\(\).*|[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\] .*|To enable the following instructions: .*)\n/gm;
const cli = (...a: string[]) => {
  const r = spawnSync(node, args(...a), { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return cliBackend === 'tensorflow' ? { ...r, stderr: r.stderr.replace(loadNoise, '') } : r;
};
const start = (...a: string[]): ChildProcess =>
  spawn(node, args(...a), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
const exited = (p: ChildProcess) =>
  new Promise<number | null>((resolve) => p.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
const testMetrics = (run: string) =>
  JSON.parse(readFileSync(path.join(root, run, 'eval', 'test.json'), 'utf8')).metrics;
const summary = (run: string) =>
  readFileSync(path.join(root, run, 'summary.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').slice(0, 6).join(','));

/** Resolves when `file` contains `text` (polling). */
async function waitFor(file: string, text: string, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${text} in ${file}`);
}

describe('pnpm run train / eval (child processes)', () => {
  beforeAll(() => {
    const r = cli('train', '--config', config, '--out', 'full');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('tiny — test, best epoch');
  });

  it('a run killed with SIGKILL and continued with --resume ends with the metrics of an uninterrupted run', async () => {
    const p = start('train', '--config', config, '--out', 'killed');
    // kill it in epoch 2, after `last` was written for epoch 1
    await waitFor(path.join(root, 'killed', 'metrics.jsonl'), '"type":"step","epoch":1,"step":');
    p.kill('SIGKILL');
    await exited(p);
    expect(existsSync(path.join(root, 'killed', 'eval', 'test.json'))).toBe(false);
    const r = cli('train', '--resume', 'killed');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('resuming killed at epoch 2, batch 0');
    expect(testMetrics('killed')).toEqual(testMetrics('full'));
    expect(summary('killed')).toEqual(summary('full'));
  });

  it('SIGINT saves checkpoints/last mid-epoch and exits 130; --resume then matches the uninterrupted run', async () => {
    const p = start('train', '--config', config, '--out', 'interrupted');
    await waitFor(path.join(root, 'interrupted', 'metrics.jsonl'), '"type":"step","epoch":0,"step":3,');
    p.kill('SIGINT');
    expect(await exited(p)).toBe(130);
    const state = JSON.parse(readFileSync(path.join(root, 'interrupted', 'checkpoints', 'last', 'state.json'), 'utf8'));
    expect(state.extra.position.epoch).toBe(0);
    expect(state.extra.position.batch).toBeGreaterThanOrEqual(3);
    const r = cli('train', '--resume', 'interrupted');
    expect(r.status, r.stderr).toBe(0);
    expect(testMetrics('interrupted')).toEqual(testMetrics('full'));
    expect(summary('interrupted')).toEqual(summary('full'));
  });

  it('eval --checkpoint reproduces the test table; --json prints it for machines', () => {
    const before = testMetrics('full');
    const r = cli('eval', '--checkpoint', 'full', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(out.metrics).toEqual(before);
    expect(out).toMatchObject({
      dataset: 'synthetic-age',
      split: 'test',
      name: 'tiny',
      file: path.join('full', 'eval', 'test.json'),
    });
    const table = cli('eval', '--checkpoint', 'full/checkpoints/best', '--split', 'val');
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/bMAE\s+\d/);
    expect(existsSync(path.join(root, 'full', 'eval', 'val.json'))).toBe(true);
  });

  it('user mistakes print one clear message (no stack trace) and exit 2', () => {
    const missing = cli('train', '--config', 'nope.yaml');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('error: config nope.yaml: cannot read it (ENOENT)\n');
    const bad = cli('train', '--config', config, '--set', 'optimizer.name=adamw');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('optimizer.name: got "adamw"; allowed: "adam", "sgd"');
    expect(bad.stderr).not.toContain('    at ');
    // an output folder that cannot be created (a regular file is in the way)
    writeFileSync(path.join(root, 'file'), '');
    const unwritable = cli('train', '--config', config, '--out', 'file/run');
    expect(unwritable.status).toBe(2);
    expect(unwritable.stderr).toMatch(/^error: cannot write the run folder file\/run: .*ENOTDIR/);
    const again = cli('train', '--config', config, '--out', 'full');
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('full already holds a run');
    const noRun = cli('eval', '--checkpoint', 'missing');
    expect(noRun.status).toBe(2);
    expect(noRun.stderr).toContain('missing: neither a checkpoint folder');
  });

  it('a damaged checkpoint is a named error without a stack trace and exit 2, in eval and in train --resume', () => {
    const copy = (name: string) => {
      cpSync(path.join(root, 'full'), path.join(root, name), { recursive: true });
      return name;
    };
    const halve = (file: string) => {
      const size = statSync(path.join(root, file)).size;
      truncateSync(path.join(root, file), size / 2);
      return `checkpoint: ${file} has ${size / 2} bytes, the manifest describes ${size}; truncated or mismatched`;
    };
    const cut = copy('cut');
    const cutMessage = halve(`${cut}/checkpoints/best/weights.bin`);
    const evalCut = cli('eval', '--checkpoint', cut);
    expect(evalCut.stderr).toBe(`error: ${cutMessage}\n`);
    expect(evalCut.status).toBe(2);

    const garbled = copy('garbled');
    writeFileSync(path.join(root, garbled, 'checkpoints/best/state.json'), '{"format": "bmse-checkpoint", "epo');
    const evalGarbled = cli('eval', '--checkpoint', garbled);
    expect(evalGarbled.stderr).toMatch(
      /^error: checkpoint: garbled\/checkpoints\/best\/state\.json is not valid JSON \(.*\); truncated\?\n$/,
    );
    expect(evalGarbled.status).toBe(2);

    const lastCut = copy('last-cut');
    const lastMessage = halve(`${lastCut}/checkpoints/last/weights.bin`);
    const resume = cli('train', '--resume', lastCut);
    expect(resume.stderr).toBe(
      `error: --resume ${lastCut}: cannot continue, checkpoints/last is damaged: ${lastMessage}\n` +
        `${lastCut}/checkpoints/best is intact: evaluate it with \`pnpm run eval --checkpoint ${lastCut}/checkpoints/best\`, ` +
        'or train again into a new --out\n',
    );
    expect(resume.status).toBe(2);
    const bestMessage = halve(`${lastCut}/checkpoints/best/weights.bin`);
    const both = cli('train', '--resume', lastCut);
    expect(both.stderr).toBe(
      `error: --resume ${lastCut}: cannot continue, checkpoints/last is damaged: ${lastMessage}\n` +
        `${lastCut}/checkpoints/best cannot be used either (${bestMessage}); train again into a new --out\n`,
    );
    expect(both.status).toBe(2);
  });

  it("tfjs' Node.js banner is not printed by train or eval (cpu backend)", () => {
    const linear = path.join(repo, 'configs/synthetic/1d-mse.yaml');
    const r = cli('train', '--config', linear, '--set', 'backend=cpu', '--set', 'schedule.epochs=2', '--out', 'lin');
    expect(r.status, r.stderr).toBe(0);
    const e = cli('eval', '--checkpoint', 'lin', '--split', 'val');
    expect(e.status, e.stderr).toBe(0);
    for (const out of [r.stdout, r.stderr, e.stdout, e.stderr]) expect(out).not.toContain('TensorFlow.js in Node.js');
    expect(r.stdout).toContain('backend: cpu');
  });

  it('--help lists the options', () => {
    const r = cli('train', '--help');
    for (const o of ['--config', '--set', '--out', '--resume']) expect(r.stdout).toContain(o);
  });
});
