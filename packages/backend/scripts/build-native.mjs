#!/usr/bin/env node
/**
 * Builds the optional native kernels (native/bmse_blas.c -> native/build/bmse_blas.node):
 * im2col + OpenBLAS sgemm convolutions on wasm-heap memory. Needs a C compiler,
 * Node's headers (node_api.h) and OpenBLAS (Debian/Ubuntu: apt install libopenblas-dev).
 * Never fails the install: without them it says what is missing and the wasm
 * backend keeps its XNNPACK kernels.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(pkgDir, 'native', 'bmse_blas.c');
const outDir = path.join(pkgDir, 'native', 'build');
const output = path.join(outDir, 'bmse_blas.node');

function skip(reason) {
  console.log(`@bmse/backend: native BLAS kernels not built (${reason}); the wasm backend uses its XNNPACK kernels.`);
  process.exit(0);
}

if (process.env.BMSE_NO_NATIVE === '1') skip('BMSE_NO_NATIVE=1');
if (process.platform !== 'linux') skip(`platform ${process.platform} is not supported yet`);

const headerDirs = [
  process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
  path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
].filter(Boolean);
const nodeInclude = headerDirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
if (!nodeInclude) skip(`node_api.h not found in ${headerDirs.join(', ')}`);

const cc = process.env.CC || 'cc';
fs.mkdirSync(outDir, { recursive: true });
const tmp = `${output}.tmp-${process.pid}`;
try {
  execFileSync(
    cc,
    [
      '-O3',
      '-fno-trapping-math',
      '-shared',
      '-fPIC',
      '-Wall',
      `-I${nodeInclude}`,
      source,
      '-o',
      tmp,
      '-lopenblas',
      '-lm',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
} catch (err) {
  const msg = String(err.stderr || err.message)
    .trim()
    .split('\n')
    .slice(-3)
    .join(' | ');
  skip(
    `${cc} failed: ${msg}${/cblas\.h|lopenblas/.test(msg) ? ' — install OpenBLAS: apt install libopenblas-dev' : ''}`,
  );
}
fs.renameSync(tmp, output);
console.log(`@bmse/backend: built ${path.relative(pkgDir, output)} (OpenBLAS)`);
