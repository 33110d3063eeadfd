#!/usr/bin/env node
/**
 * Builds the optional native kernels from native/bmse_blas.c, twice:
 * - native/build/bmse_blas.node: im2col + OpenBLAS sgemm convolutions on wasm-heap memory. Needs a C
 *   compiler, Node's headers (node_api.h) and OpenBLAS (Debian/Ubuntu: apt install libopenblas-dev);
 * - native/build/bmse_blas_dnnl.node: the same with oneDNN direct convolutions (fused bias/ReLU) in front
 *   (-DBMSE_DNNL; Debian/Ubuntu: apt install libdnnl-dev), loaded in preference when it built.
 * Never fails the install: without them it says, in one line each, what is missing and what runs instead
 * (the OpenBLAS kernels, or the wasm backend's XNNPACK kernels).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAddon, builtLine, tryBuildAddon } from './build-addon.mjs';

const base = {
  pkg: '@bmse/backend',
  pkgDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
  name: 'bmse_blas',
  what: 'native BLAS kernels',
  fallback: 'the wasm backend uses its XNNPACK kernels',
  libs: ['-lopenblas'],
  cflags: ['-fno-trapping-math'],
  missing: { pattern: /cblas\.h|lopenblas/, hint: 'install OpenBLAS: apt install libopenblas-dev' },
  built: '(OpenBLAS)',
};
buildAddon(base);

const dnnl = {
  ...base,
  output: 'bmse_blas_dnnl',
  what: 'oneDNN convolution kernels',
  fallback: 'convolutions use the OpenBLAS kernels',
  libs: ['-lopenblas', '-ldnnl', '-lgomp'],
  cflags: [...base.cflags, '-DBMSE_DNNL', '-fopenmp'],
  missing: { pattern: /dnnl\.h|ldnnl|lgomp/, hint: 'install oneDNN: apt install libdnnl-dev' },
  built: '(OpenBLAS + oneDNN)',
};
const reason = process.env.BMSE_NO_DNNL === '1' ? 'BMSE_NO_DNNL=1' : tryBuildAddon(dnnl);
console.log(reason == null ? builtLine(dnnl) : `${dnnl.pkg}: ${dnnl.what} not built (${reason}); ${dnnl.fallback}.`);
