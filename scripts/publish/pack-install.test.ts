/**
 * @bmse/losses and @bmse/metrics are publishable as they stand (issue 12): build, `pnpm pack`,
 * install the tarballs with @tensorflow/tfjs from npm into an empty folder with no workspace
 * around it, then (1) run BMC, GAI and BNI with a learnable σ in an optimizer there and compare
 * with PyTorch's float64 values, (2) type-check and run the README's quick preview verbatim.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const golden = resolve(root, 'packages/losses/test/fixtures/torch-losses.json');
const cases = JSON.parse(readFileSync(golden, 'utf8')).cases;
let dir = '';

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

/** The ```ts block after the `<!-- quick-preview -->` marker of the README. */
function quickPreviewBlock(readme: string): string {
  const m = /<!-- quick-preview -->\n```ts\n([\s\S]*?)\n```/.exec(readme);
  if (!m) throw new Error('README.md has no quick-preview block');
  return `${m[1]}\n`;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bmse-consumer-'));
  for (const pkg of ['losses', 'metrics']) {
    const pkgDir = resolve(root, 'packages', pkg);
    sh(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], pkgDir);
    sh('pnpm', ['pack', '--pack-destination', dir], pkgDir);
  }
  const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  sh(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...tarballs.map((t) => `./${t}`),
      '@tensorflow/tfjs@4.22.0',
    ],
    dir,
  );
}, 300_000);

afterAll(() => {
  if (dir && !process.env.BMSE_KEEP_CONSUMER) rmSync(dir, { recursive: true, force: true });
});

describe('packed @bmse/losses and @bmse/metrics in a fresh project', () => {
  it('ship dist with types, the README and the licence, and no workspace dependency', () => {
    for (const pkg of ['losses', 'metrics']) {
      const installed = join(dir, 'node_modules/@bmse', pkg);
      const files = readdirSync(installed).sort();
      expect(files).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
      expect(readdirSync(join(installed, 'dist'))).toContain('index.d.ts');
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      expect(manifest.license).toBe('MIT');
      expect(JSON.stringify(manifest.dependencies ?? {})).not.toContain('workspace');
      expect(Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@bmse/'))).toEqual([]);
    }
    expect(
      JSON.parse(readFileSync(join(dir, 'node_modules/@bmse/losses/package.json'), 'utf8')).peerDependencies,
    ).toEqual({
      '@tensorflow/tfjs-core': '^4.22.0',
    });
  });

  it('BMC, GAI and BNI with a learnable σ match PyTorch float64 and step σ by its own Adam', () => {
    writeFileSync(join(dir, 'check.mjs'), readFileSync(resolve(import.meta.dirname, 'consumer-check.mjs')));
    const out = JSON.parse(sh(process.execPath, ['check.mjs', golden], dir).trim().split('\n').at(-1) as string);
    expect(out.backend).toBe('cpu');
    for (const impl of ['bmc', 'gai', 'bni']) {
      const ref = cases[`${impl}Age_3.0`];
      for (const kernel of ['fused', 'tensor']) {
        const got = out.cases[`${impl}-${kernel}`];
        expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
        expect(got.gradSigma).toBeCloseTo(ref.gradSigma, 3);
        for (const [i, g] of (got.gradPred as number[]).entries()) expect(g).toBeCloseTo(ref.gradPred[i][0], 3);
        // Adam's first step moves σ by lr·sign(g); the prediction takes SGD(0.1) on its gradient
        expect(got.sigmaAfter).toBeCloseTo(3 - 0.01 * Math.sign(ref.gradSigma), 5);
        expect(got.predAfter0).toBeCloseTo(40.025 - 0.1 * ref.gradPred[0][0], 3);
        expect(got.restNames).toEqual([`pred_${impl}_${kernel}`]);
      }
    }
    expect(out.bmcPlain).toBeCloseTo(cases['bmc68_1.0'].loss, 5);
    expect(out.metrics).toMatchObject({ n: 4, mse: 1, mae: 0.5 });
    expect(out.leakedByLoss).toBe(0);
  });

  it("the README's quick preview type-checks and runs as written", () => {
    const code = quickPreviewBlock(readFileSync(resolve(root, 'README.md'), 'utf8'));
    writeFileSync(join(dir, 'quick-preview.ts'), code);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', skipLibCheck: true, noEmit: true },
        files: ['quick-preview.ts'],
      }),
    );
    sh(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir);
    writeFileSync(join(dir, 'quick-preview.mjs'), transformSync(code, { loader: 'ts', format: 'esm' }).code);
    const line = sh(process.execPath, ['quick-preview.mjs'], dir).trim().split('\n').at(-1) as string;
    const m = /^fixed σ: slope (-?[\d.]+); learnable σ: slope (-?[\d.]+), σ = ([\d.]+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const [fixedSlope, learnedSlope, sigma] = (m as RegExpExecArray).slice(1).map(Number);
    // y = x + N(0,1) labels: both fits follow the oracle's slope 1 roughly; σ moved from its start
    expect(fixedSlope).toBeGreaterThan(0.5);
    expect(learnedSlope).toBeGreaterThan(0.5);
    expect(sigma).not.toBe(1);
  });
});
