import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePlots } from './plots.js';
import { makeTables } from './tables.js';
import { ageRegion, tempDir, writeRun } from './test-fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

function cli(script: 'tables-cli.ts' | 'plots-cli.ts', args: string[]) {
  const r = spawnSync(TSX, ['--conditions=source', path.join(ROOT, 'scripts', 'report', script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const region = ageRegion(10, { mse: 4, mae: 2, gm: 1.5, bmse: 5, bmae: 2.2 });
const metrics = { all: region, many: region, medium: region, few: region };

const dirs: string[] = [];
async function runsWith(...names: string[]): Promise<string> {
  const root = await tempDir();
  dirs.push(root);
  for (const [i, name] of names.entries())
    await writeRun(root, { name, row: 'Vanilla', seed: i, dataset: 'synthetic-age', metrics, seconds: [1] });
  return root;
}

let out: string;
beforeAll(async () => {
  out = await tempDir();
  dirs.push(out);
});
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe('tables CLI errors', () => {
  it('names the file of a malformed eval JSON, in one line without a stack trace', async () => {
    const root = await runsWith('good', 'broken');
    const file = path.join(root, 'broken', 'eval', 'test.json');
    await fs.writeFile(file, '{ "dataset": "synthetic-age", "metrics": ');
    const r = cli('tables-cli.ts', ['--runs', root, '--out', path.join(out, 't.md')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`tables: ${file}: malformed JSON`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('says where it looked when no run has been evaluated', async () => {
    const root = await tempDir();
    dirs.push(root);
    await writeRun(root, { name: 'pending', row: 'Vanilla', seed: 0, dataset: 'synthetic-age', metrics, noEval: true });
    const r = cli('tables-cli.ts', ['--runs', root, '--out', path.join(out, 't.md')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `tables: no evaluated runs found: looked for ${path.join(root, '*', 'eval', 'test.json')} (1 folder(s) skipped: pending: no eval/test.json)\n`,
    );
  });

  it('plots report the same errors', async () => {
    await expect(writePlots({ runs: path.join(out, 'nope'), out })).rejects.toThrow(
      `runs folder ${path.join(out, 'nope')} does not exist`,
    );
  });

  it('has --help', () => {
    const r = cli('tables-cli.ts', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pnpm run tables');
    for (const opt of ['--runs', '--out', '--csv']) expect(r.stdout).toContain(opt);
  });

  it('names the file and field of a missing or mistyped value', async () => {
    const root = await runsWith('a');
    const file = path.join(root, 'a', 'eval', 'test.json');
    const doc = JSON.parse(await fs.readFile(file, 'utf8'));
    delete doc.metrics.few.bmae;
    await fs.writeFile(file, JSON.stringify(doc));
    await expect(makeTables(root)).rejects.toThrow(`${file}: field "metrics.few.bmae" is missing`);
    doc.metrics.few.bmae = 'x';
    await fs.writeFile(file, JSON.stringify(doc));
    await expect(makeTables(root)).rejects.toThrow(
      `${file}: field "metrics.few.bmae" must be a finite number or null, got "x"`,
    );
  });

  it('checks config.yaml and summary.csv', async () => {
    const root = await runsWith('a');
    const config = path.join(root, 'a', 'config.yaml');
    const text = await fs.readFile(config, 'utf8');
    await fs.writeFile(config, text.replace('dataset: synthetic-age', 'dataset: mnist'));
    await expect(makeTables(root)).rejects.toThrow(
      `${config}: field "data.dataset" is "mnist"; expected one of imdb-wiki-dir`,
    );
    await fs.writeFile(config, text.replace(/^seed: 0$/m, 'seed: one'));
    await expect(makeTables(root)).rejects.toThrow(`${config}: field "seed" must be an integer, got "one"`);
    await fs.writeFile(config, text);
    const summary = path.join(root, 'a', 'summary.csv');
    await fs.writeFile(
      summary,
      'epoch,lr,sigma,train_loss,val_metric,best,images_per_s,seconds\n1,0.1,1,1,1,1,10,abc\n',
    );
    await expect(makeTables(root)).rejects.toThrow(
      `${summary}: row 1 (epoch 1): field "seconds" is "abc", not a number`,
    );
  });

  it('rejects an eval JSON whose dataset disagrees with config.yaml', async () => {
    const root = await runsWith('a');
    const file = path.join(root, 'a', 'eval', 'test.json');
    const doc = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...doc, dataset: 'agedb-dir' }));
    await expect(makeTables(root)).rejects.toThrow(
      `${file}: field "dataset" is "agedb-dir" but ${path.join(root, 'a', 'config.yaml')} has data.dataset "synthetic-age"`,
    );
  });

  it('reports a missing runs folder by its absolute path', async () => {
    await expect(makeTables(path.join(out, 'nope'))).rejects.toThrow(
      `runs folder ${path.join(out, 'nope')} does not exist`,
    );
  });
});
