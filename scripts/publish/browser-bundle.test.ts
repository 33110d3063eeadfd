/**
 * @bmse/losses and @bmse/metrics bundle for the browser as they are (issue 12): esbuild with
 * platform 'browser' and no shims, the caller's tfjs left external; no Node built-in reaches
 * the bundle.
 */
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

async function bundle(entry: string) {
  return build({
    entryPoints: [resolve(root, entry)],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    conditions: ['source'],
    external: ['@tensorflow/tfjs-core'],
    metafile: true,
    logLevel: 'silent',
  });
}

describe('browser bundle', () => {
  for (const pkg of ['losses', 'metrics']) {
    it(`@bmse/${pkg} bundles with no Node module in it`, async () => {
      const out = await bundle(`packages/${pkg}/src/index.ts`);
      expect(out.errors).toEqual([]);
      const inputs = Object.keys(out.metafile.inputs);
      const imports = Object.values(out.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
      expect(imports.filter((p) => nodeBuiltins.has(p))).toEqual([]);
      // nothing from another workspace package (e.g. @bmse/backend, which loads wasm and native addons)
      expect(inputs.filter((p) => p.startsWith('packages/') && !p.startsWith(`packages/${pkg}/`))).toEqual([]);
      const code = out.outputFiles[0].text;
      expect(code).not.toMatch(/require\(["'](crypto|fs|path|os|worker_threads)["']\)/);
      if (pkg === 'losses') {
        expect(code).toContain('from "@tensorflow/tfjs-core"');
        expect(code).toContain('bmcLoss');
      }
    });
  }
});
