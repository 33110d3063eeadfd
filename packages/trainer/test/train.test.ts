import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@bmse/backend';
import { readCheckpointInfo } from '@bmse/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConfigInput, type EvalRecord, LineReporter, resolveConfig, train } from '../src/index.js';
import { setupBackend } from './helpers.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'bmse-train-'));
const quiet = () => new LineReporter(1_000_000, () => {});
const base: ConfigInput = {
  name: 'lin',
  row: 'MSE',
  data: { dataset: 'synthetic-1d', synthetic: { nTrain: 256, nVal: 128, nTest: 128 }, batchSize: 64 },
  schedule: { epochs: 12 },
  evalEvery: 3,
  optimizer: { lr: 2e-3 },
};
const cfg = (over: ConfigInput = {}) =>
  resolveConfig({
    ...base,
    ...over,
    data: { ...base.data, ...over.data },
    schedule: { ...base.schedule, ...over.schedule },
  } as ConfigInput);
const readTest = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'eval', 'test.json'), 'utf8')) as EvalRecord;
const summaryLosses = (dir: string) =>
  readFileSync(path.join(dir, 'summary.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').slice(0, 6).join(','));

describe('train() on the synthetic 1-D benchmark (cpu backend)', () => {
  beforeAll(async () => {
    await setupBackend();
  });

  it('trains, logs one summary row per evaluation, keeps best/last, and evaluates the best checkpoint on test', async () => {
    const dir = path.join(root, 'a');
    const before = tf.memory().numTensors;
    const r = await train({ config: cfg(), runDir: dir, reporter: quiet() });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.status).toBe('completed');
    expect(r.step).toBe(12 * 4);
    const rows = summaryLosses(dir);
    expect(rows.length).toBe(4);
    const vals = rows.map((l) => Number(l.split(',')[4]));
    const bestEpoch = 3 * (vals.indexOf(Math.min(...vals)) + 1);
    expect(r.best?.epoch).toBe(bestEpoch);
    const test = readTest(dir);
    expect(test).toMatchObject({
      dataset: 'synthetic-1d',
      split: 'test',
      name: 'lin',
      row: 'MSE',
      seed: 0,
      epoch: bestEpoch,
    });
    expect(test.metrics.all).toMatchObject({ n: 128 });
    // the fitted layer predicts what the record says: pred = x·w + b
    const { x, pred } = test.predictions!;
    const { weight, bias } = test.linear!;
    expect(pred[5][0]).toBeCloseTo(x[5][0] * weight[0][0] + bias[0], 5);
    // MSE recomputed from the stored predictions
    const mse = pred.reduce((a, p, i) => a + (p[0] - test.predictions!.y[i][0]) ** 2, 0) / pred.length;
    expect((test.metrics.all as { mse: number }).mse).toBeCloseTo(mse, 6);
    expect(test.perLabel.reduce((a, p) => a + p.n, 0)).toBe(128);
    expect((await readCheckpointInfo(path.join(dir, 'checkpoints', 'best'))).state.epoch).toBe(bestEpoch);
    expect((await readCheckpointInfo(path.join(dir, 'checkpoints', 'last'))).state.epoch).toBe(12);
    const log = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.filter((e) => e.type === 'epoch').map((e) => e.epoch)).toEqual([3, 6, 9, 12]);
  });

  it('is deterministic for a seed, and a run interrupted mid-epoch then resumed ends with the same numbers', async () => {
    const c = cfg({ bmse: { enabled: true, impl: 'bmc', initNoiseSigma: 1.5 }, optimizer: { name: 'adam', lr: 0.05 } });
    const a = await train({ config: c, runDir: path.join(root, 'b1'), reporter: quiet() });
    const b = await train({ config: c, runDir: path.join(root, 'b2'), reporter: quiet() });
    expect(readTest(b.runDir).metrics).toEqual(readTest(a.runDir).metrics);

    const stop = { stop: false };
    const stopper = quiet();
    let steps = 0;
    stopper.step = () => {
      if (++steps === 22) stop.stop = true; // epoch 6, batch 2 of 4
    };
    const dir = path.join(root, 'b3');
    const first = await train({ config: c, runDir: dir, reporter: stopper, stopSignal: stop });
    expect(first.status).toBe('interrupted');
    const saved = await readCheckpointInfo(path.join(dir, 'checkpoints', 'last'));
    expect(saved.state.extra.position).toEqual({ epoch: 5, batch: 2 });
    expect(existsSync(path.join(dir, 'eval', 'test.json'))).toBe(false);
    const resumed = await train({ config: c, runDir: dir, resume: true, reporter: quiet() });
    expect(resumed.status).toBe('completed');
    expect(resumed.step).toBe(a.step);
    expect(readTest(dir).metrics).toEqual(readTest(a.runDir).metrics);
    expect(readTest(dir).linear).toEqual(readTest(a.runDir).linear);
    expect(summaryLosses(dir)).toEqual(summaryLosses(a.runDir));
  });

  it('refuses to overwrite a run unless resuming', async () => {
    await expect(train({ config: cfg(), runDir: path.join(root, 'a'), reporter: quiet() })).rejects.toThrow(
      /already holds a run.*--resume/,
    );
  });

  it('an exploding loss stops training with a clear message and keeps the last good checkpoint', async () => {
    const dir = path.join(root, 'c');
    const c = cfg({
      optimizer: { name: 'sgd', lr: 0.07, momentum: 0.9 },
      schedule: { type: 'constant' },
      evalEvery: 1,
      loss: { maxLoss: 1e4 },
    });
    const lines: string[] = [];
    const r = await train({ config: c, runDir: dir, reporter: new LineReporter(1_000_000, (l) => lines.push(l)) });
    expect(r.status).toBe('diverged');
    expect(r.message).toMatch(/loss is .* \(limit: finite and ≤ loss.maxLoss = 10000\)/);
    expect(lines.join('\n')).toContain(`The last good checkpoint is ${path.join(dir, 'checkpoints', 'last')}`);
    const info = await readCheckpointInfo(path.join(dir, 'checkpoints', 'last'));
    expect(info.state.epoch).toBeGreaterThanOrEqual(1);
    expect(info.state.epoch).toBeLessThan(12);
    const log = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
    expect(log).toContain('"type":"error"');
  });
});
