/** The Boston Housing tutorial: its Markdown is its code, the split, the evaluation, the training, the CLI and its errors. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend, tf } from '@bmse/backend';
import { LossInputError } from '@bmse/losses';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBostonHousing, TutorialDataError } from '../src/data.js';
import { shotTable } from '../src/evaluate.js';
import { includes, region } from '../src/literate.js';
import { METHODS, methodByName } from '../src/methods.js';
import { balancedSplit, binCounts } from '../src/split.js';
import { trainMethod } from '../src/train.js';

const pkg = resolve(import.meta.dirname, '..');
beforeAll(() => initBackend('wasm'));

describe('README.md (the literate walkthrough)', () => {
  it('every code block is, character for character, the region of the source it names', () => {
    const blocks = includes(readFileSync(resolve(pkg, 'README.md'), 'utf8'));
    expect(blocks.map(([file, name]) => `${file}#${name}`)).toEqual([
      'src/split.ts#split',
      'src/model.ts#model',
      'src/methods.ts#methods',
      'src/train.ts#train',
      'src/evaluate.ts#evaluate',
    ]);
    // on a difference: pnpm --filter @bmse/tutorial-boston-housing run docs
    for (const [file, name, block] of blocks) expect(block, `${file}#${name}`).toBe(region(pkg, file, name));
  });
});

describe('data and split', () => {
  const data = loadBostonHousing();
  const split = balancedSplit(data.medv);

  it('reads the 506 × 13 fixture', () => {
    expect(data.features).toHaveLength(506);
    expect(data.features.every((r) => r.length === 13)).toBe(true);
    expect(data.features[0]).toEqual([0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98]);
    expect(data.medv.slice(0, 3)).toEqual([24, 21.6, 34.7]);
    expect(Math.min(...data.medv)).toBe(5);
    expect(Math.max(...data.medv)).toBe(50);
  });

  it('has the official sizes, is a partition, and is the same on every call', () => {
    expect([split.train.length, split.val.length, split.test.length]).toEqual([358, 66, 82]);
    expect(new Set([...split.train, ...split.val, ...split.test]).size).toBe(506);
    expect(balancedSplit(data.medv)).toEqual(split);
    expect(balancedSplit(data.medv, undefined, 'another seed')).not.toEqual(split);
  });

  it('balances test and validation round-robin: no bin has 2 more than another that still had samples', () => {
    const total = binCounts(data.medv);
    const test = binCounts(split.test.map((i) => data.medv[i]));
    // 43 non-empty bins, 82 test samples: one full round (43) + a partial one (39 bins) — at most 2 per bin
    expect(Math.max(...test)).toBe(2);
    expect(total.filter((n, b) => n > 0 && test[b] === 0)).toEqual([]);
    const train = binCounts(split.train.map((i) => data.medv[i]));
    expect(Math.max(...train)).toBe(33);
    expect(train.filter((n) => n > 10).length).toBe(13);
    // the documented table of README.md, §1
    expect(train.slice(13, 25)).toEqual([20, 14, 12, 12, 18, 21, 33, 32, 27, 31, 33, 21]);
    expect(train[50]).toBe(12);
  });
});

describe('evaluation (the notebook shot_metrics)', () => {
  it('computes overall errors on the labels and shot errors on the integer labels, by training count', () => {
    // bin 20: 11 training labels (many, > 10); bin 30: 2 (medium); bin 40: 1 and bin 45: 0 (few, < 2)
    const train = [...new Array(11).fill(20.5), 30, 30.9, 40];
    const labels = [20.5, 30.5, 40.2, 45];
    const preds = [21.5, 30.5, 42.2, 41];
    const t = shotTable(preds, labels, train);
    expect(t.all.mse).toBeCloseTo((1 + 0 + 4 + 16) / 4, 10);
    expect(t.all.l1).toBeCloseTo((1 + 0 + 2 + 4) / 4, 10);
    expect(t.all.gmean).toBe(0); // a zero error makes the geometric mean 0, as scipy's gmean
    expect(t.many).toMatchObject({ n: 1, mse: 1.5 ** 2, l1: 1.5 }); // 21.5 − int(20.5)
    expect(t.medium).toMatchObject({ n: 1, mse: 0.25, l1: 0.5 });
    expect(t.few.n).toBe(2);
    expect(t.few.mse).toBeCloseTo((2.2 ** 2 + 4 ** 2) / 2, 10);
    expect(t.few.gmean).toBeCloseTo(Math.sqrt(2.2 * 4), 10);
  });
});

describe('methods and training', () => {
  it('INV weights are the official inverse counts clipped to [5, 1000], mean 1', () => {
    const labels = [...new Array(10).fill(20), 30, 30, 49.5];
    const w = methodByName('INV').weights(labels) as number[];
    // counts 10, 2→5, 1→5: raw weights 1/10 ×10, 1/5 ×3 → scale 13 / (1 + 0.6)
    const scale = 13 / 1.6;
    expect(w[0]).toBeCloseTo(scale / 10, 6);
    expect(w[12]).toBeCloseTo(scale / 5, 6);
    expect(w.reduce((a, b) => a + b, 0) / w.length).toBeCloseTo(1, 6);
    expect(methodByName('bmc').weights(labels)).toBeNull();
    expect(() => methodByName('huber')).toThrow(
      "unknown method 'huber'; allowed: Vanilla, MSE, INV, SQINV, SQINV+LDS, BMC",
    );
  });

  it('BMC is the library bmcLoss at σ² = 64 and refuses a batch of 1', () => {
    const p = tf.tensor2d([[10], [20], [35]]);
    const y = tf.tensor2d([[12], [19], [30]]);
    const bmc = methodByName('BMC').loss(p, y, undefined).dataSync()[0];
    // −log softmax of the diagonal, × 2σ²: closed form on these three numbers
    const logits = [10, 20, 35].map((pi) => [12, 19, 30].map((yj) => -((pi - yj) ** 2) / 128));
    const ce = logits.map((row, i) => Math.log(row.reduce((a, l) => a + Math.exp(l), 0)) - row[i]);
    expect(bmc).toBeCloseTo((ce.reduce((a, b) => a + b, 0) / 3) * 128, 3);
    expect(() => methodByName('BMC').loss(tf.tensor2d([[1]]), tf.tensor2d([[2]]), undefined)).toThrow(LossInputError);
    tf.dispose([p, y]);
  });

  it('trains every method deterministically for a seed and leaks no tensor', () => {
    const data = loadBostonHousing();
    const split = balancedSplit(data.medv);
    const before = tf.memory().numTensors;
    for (const method of METHODS) {
      const epochs: number[] = [];
      const a = trainMethod(method, data, split, { seed: 3, epochs: 2, onEpoch: (e) => epochs.push(e) });
      const b = trainMethod(method, data, split, { seed: 3, epochs: 2 });
      expect(epochs).toEqual([0, 1]);
      expect(a.testPreds).toEqual(b.testPreds);
      expect(a.testPreds).toHaveLength(82);
      expect(a.test.all.n).toBe(82);
      expect(a.test.many.n + a.test.medium.n + a.test.few.n).toBe(82);
      expect(Number.isFinite(a.test.all.mse)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('pnpm run tutorial', () => {
  const main = resolve(pkg, 'src/main.ts');
  const run = (args: string[], cwd = pkg) =>
    spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', main, ...args], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: cwd },
    });

  it('prints the shot tables and writes results and figure', () => {
    const out = mkdtempSync(join(tmpdir(), 'bmse-tutorial-'));
    const r = run(['--seeds', '1', '--methods', 'MSE', 'BMC', '--epochs', '2', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/test MSE\n\s+All \(82\)\s+Many \(26\)\s+Medium \(30\)\s+Few \(26\)\nMSE\s+[\d.]+/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.runs.map((x: { method: string }) => x.method)).toEqual(['MSE', 'BMC']);
    expect(readFileSync(join(out, 'per-label-error.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(out, 'per-label-error.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('stops on bad data with the file, row and field, exit code 2, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bmse-tutorial-bad-'));
    const lines = readFileSync(resolve(pkg, 'data/boston-housing.csv'), 'utf8').split('\n');
    const nan = join(dir, 'nan.csv');
    writeFileSync(nan, [lines[0], lines[1], lines[2].replace(/,21\.6$/, ',NaN'), ...lines.slice(3)].join('\n'));
    let r = run(['--csv', nan, '--seeds', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`tutorial: ${nan}, row 3, field 'medv': 'NaN' is not a finite number`);
    const big = join(dir, 'big.csv');
    writeFileSync(big, [lines[0], lines[1].replace(/,24$/, ',51'), ...lines.slice(2)].join('\n'));
    r = run(['--csv', big, '--seeds', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `tutorial: ${big}, row 2, field 'medv': 51 is outside the label bins [0, 51) of the recipe (max_target 51)`,
    );
    expect(() => loadBostonHousing(join(dir, 'missing.csv'))).toThrow(TutorialDataError);
    r = run(['--methods', 'huber']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("unknown method 'huber'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
