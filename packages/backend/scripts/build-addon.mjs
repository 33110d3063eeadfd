/**
 * Builds one optional N-API addon of a @bmse package with the system C compiler (the packages' install scripts:
 * @bmse/backend's OpenBLAS (+ oneDNN) kernels, @bmse/datasets' image kernels). Never fails the install: without a
 * compiler, Node's headers (node_api.h) or the library, it prints what is missing and the package's JS/wasm path runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * @typedef {object} AddonSpec
 * @property {string} pkg package name, for messages
 * @property {string} pkgDir the package folder
 * @property {string} name addon name: native/<name>.c -> native/build/<output ?? name>.node
 * @property {string} [output] output name when it differs from the source's (another build of the same source)
 * @property {string} what what it provides, e.g. "native BLAS kernels"
 * @property {string} fallback what runs without it
 * @property {string[]} libs linker flags, e.g. ['-lopenblas']
 * @property {string[]} [cflags] extra compiler flags
 * @property {{ pattern: RegExp, hint: string }} missing how a missing library shows in the compiler output, and the fix
 * @property {string} built what to say after the name when it built, e.g. "(OpenBLAS)"
 */

/**
 * Compiles the addon; never exits. Returns the reason it was not built (with the fix when the compiler
 * output names a missing library), or null when it was. A failed build removes an older output.
 * @param {AddonSpec} o
 * @returns {string | null}
 */
export function tryBuildAddon(o) {
  if (process.env.BMSE_NO_NATIVE === '1') return 'BMSE_NO_NATIVE=1';
  if (process.platform !== 'linux') return `platform ${process.platform} is not supported yet`;
  const headerDirs = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
  ].filter(Boolean);
  const nodeInclude = headerDirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
  if (!nodeInclude) return `node_api.h not found in ${headerDirs.join(', ')}`;
  const source = path.join(o.pkgDir, 'native', `${o.name}.c`);
  const output = path.join(o.pkgDir, 'native', 'build', `${o.output ?? o.name}.node`);
  const cc = process.env.CC || 'cc';
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const tmp = `${output}.tmp-${process.pid}`;
  const flags = ['-O3', ...(o.cflags ?? []), '-shared', '-fPIC', '-Wall', `-I${nodeInclude}`, source, '-o', tmp];
  try {
    execFileSync(cc, [...flags, ...o.libs, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(output, { force: true });
    const msg = String(err.stderr || err.message)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    return `${cc} failed: ${msg}${o.missing.pattern.test(msg) ? ` — ${o.missing.hint}` : ''}`;
  }
  fs.renameSync(tmp, output);
  return null;
}

/** @param {AddonSpec} o */
export function builtLine(o) {
  return `${o.pkg}: built native/build/${o.output ?? o.name}.node ${o.built}`;
}

/**
 * Builds the addon and prints one line: built, or not built and why (then exits 0: the install goes on).
 * @param {AddonSpec} o
 */
export function buildAddon(o) {
  const reason = tryBuildAddon(o);
  if (reason != null) {
    console.log(`${o.pkg}: ${o.what} not built (${reason}); ${o.fallback}.`);
    process.exit(0);
  }
  console.log(builtLine(o));
}
