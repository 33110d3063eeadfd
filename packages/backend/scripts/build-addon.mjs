/**
 * Builds one optional N-API addon of a @bmse package with the system C compiler (the packages' install scripts:
 * @bmse/backend's OpenBLAS kernels, @bmse/datasets' image kernels). Never fails the install: without a compiler,
 * Node's headers (node_api.h) or the library, it prints what is missing and the package's JS/wasm path runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * @param {object} o
 * @param {string} o.pkg package name, for messages
 * @param {string} o.pkgDir the package folder
 * @param {string} o.name addon name: native/<name>.c -> native/build/<name>.node
 * @param {string} o.what what it provides, e.g. "native BLAS kernels"
 * @param {string} o.fallback what runs without it
 * @param {string[]} o.libs linker flags, e.g. ['-lopenblas']
 * @param {string[]} [o.cflags] extra compiler flags
 * @param {{ pattern: RegExp, hint: string }} o.missing how a missing library shows in the compiler output, and the fix
 * @param {string} o.built what to say after the name when it built, e.g. "(OpenBLAS)"
 */
export function buildAddon(o) {
  const skip = (reason) => {
    console.log(`${o.pkg}: ${o.what} not built (${reason}); ${o.fallback}.`);
    process.exit(0);
  };
  if (process.env.BMSE_NO_NATIVE === '1') skip('BMSE_NO_NATIVE=1');
  if (process.platform !== 'linux') skip(`platform ${process.platform} is not supported yet`);
  const headerDirs = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
  ].filter(Boolean);
  const nodeInclude = headerDirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
  if (!nodeInclude) skip(`node_api.h not found in ${headerDirs.join(', ')}`);
  const source = path.join(o.pkgDir, 'native', `${o.name}.c`);
  const output = path.join(o.pkgDir, 'native', 'build', `${o.name}.node`);
  const cc = process.env.CC || 'cc';
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const tmp = `${output}.tmp-${process.pid}`;
  const flags = ['-O3', ...(o.cflags ?? []), '-shared', '-fPIC', '-Wall', `-I${nodeInclude}`, source, '-o', tmp];
  try {
    execFileSync(cc, [...flags, ...o.libs, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const msg = String(err.stderr || err.message)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    skip(`${cc} failed: ${msg}${o.missing.pattern.test(msg) ? ` — ${o.missing.hint}` : ''}`);
  }
  fs.renameSync(tmp, output);
  console.log(`${o.pkg}: built ${path.relative(o.pkgDir, output)} ${o.built}`);
}
