/**
 * Builds scripts/gpu/dist/: check.sh, gpu-check.mjs (esbuild: @bmse/backend, @bmse/models and
 * tfjs in one file), tfjs-backend-wasm's .wasm binaries and thread-worker scripts, the `webgpu`
 * package's Linux x64 Dawn addon, and torch_cuda.py — what check.sh needs on a machine with
 * Node ≥ 20 and no network (about 30 MB; `tar czf` it to carry). Usage: node scripts/gpu/build.mjs
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist');
const fromBackend = createRequire(path.join(here, '../../packages/backend/package.json'));

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: [path.join(here, 'gpu-check.ts')],
  outfile: path.join(out, 'gpu-check.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  // the Dawn addon is loaded from its own package folder (copied below); tfjs-node(-gpu) are optional and absent
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  // CommonJS inside an ES module: require, __dirname (emscripten looks for its .wasm there)
  banner: {
    js: [
      "import { createRequire as __bmseRequire } from 'node:module';",
      "import { dirname as __bmseDirname } from 'node:path';",
      "import { fileURLToPath as __bmsePath } from 'node:url';",
      // globals, not bindings: bundled modules may declare their own `require`
      'globalThis.require ??= __bmseRequire(import.meta.url);',
      'globalThis.__filename = __bmsePath(import.meta.url);',
      'globalThis.__dirname = __bmseDirname(globalThis.__filename);',
    ].join('\n'),
  },
  logLevel: 'warning',
});

const copy = (from, to) => {
  fs.mkdirSync(path.dirname(path.join(out, to)), { recursive: true });
  fs.copyFileSync(from, path.join(out, to));
};

// wasm binaries beside the bundle (emscripten's default location: the script's folder)
const wasmDir = path.dirname(fromBackend.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
for (const f of fs.readdirSync(path.join(wasmDir, 'dist')).filter((f) => f.endsWith('.wasm'))) {
  copy(path.join(wasmDir, 'dist', f), f);
}
// the thread-pool worker (src/wasm/threads.ts resolves the package folder)
const wasmPkg = 'node_modules/@tensorflow/tfjs-backend-wasm';
copy(path.join(wasmDir, 'package.json'), `${wasmPkg}/package.json`);
for (const f of ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js']) {
  copy(path.join(wasmDir, 'wasm-out', f), `${wasmPkg}/wasm-out/${f}`);
}
// the webgpu package: its loader and the Linux x64 addon only
try {
  const webgpuDir = path.dirname(fromBackend.resolve('webgpu/package.json'));
  for (const f of ['package.json', 'index.js', 'dist/linux-x64/dawn.node'])
    copy(path.join(webgpuDir, f), `node_modules/webgpu/${f}`);
} catch (err) {
  console.warn(`webgpu (Dawn) not bundled: ${err.message}`);
}
copy(path.join(here, 'check.sh'), 'check.sh');
copy(path.join(here, 'torch_cuda.py'), 'torch_cuda.py');
fs.chmodSync(path.join(out, 'check.sh'), 0o755);

let bytes = 0;
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else bytes += fs.statSync(p).size;
  }
};
walk(out);
console.log(`${path.relative(process.cwd(), out)}: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
