#!/usr/bin/env node
/**
 * Builds the optional native kernels (native/bmse_blas.c -> native/build/bmse_blas.node):
 * im2col + OpenBLAS sgemm convolutions on wasm-heap memory. Needs a C compiler,
 * Node's headers (node_api.h) and OpenBLAS (Debian/Ubuntu: apt install libopenblas-dev).
 * Never fails the install: without them it says what is missing and the wasm
 * backend keeps its XNNPACK kernels.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon } from './build-addon.mjs';

buildAddon({
  pkg: '@bmse/backend',
  pkgDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
  name: 'bmse_blas',
  what: 'native BLAS kernels',
  fallback: 'the wasm backend uses its XNNPACK kernels',
  libs: ['-lopenblas'],
  cflags: ['-fno-trapping-math'],
  missing: { pattern: /cblas\.h|lopenblas/, hint: 'install OpenBLAS: apt install libopenblas-dev' },
  built: '(OpenBLAS)',
});
