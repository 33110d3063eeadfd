/**
 * The Node flags a data worker gets: only those of the parent's `execArgv` that shape how modules load
 * (conditions, --import / --require / loaders, experimental module flags) or how warnings and source maps
 * show. Everything else stays with the parent: workers reject process-wide flags (--max-old-space-size,
 * --title, --expose-gc …) and the flags of the entry itself (-e / -p code, --input-type, --test, --watch),
 * which made a script run as `node --input-type=module -e '…'` lose its data workers (issue #16).
 */

/** Flags kept with a value, as `--flag=value` or `--flag value` (`-C` / `-r` only as two tokens). */
const WITH_VALUE = new Set(['--conditions', '-C', '--import', '--require', '-r', '--loader', '--experimental-loader']);

/** Flags kept without a value. */
const BARE = new Set([
  '--enable-source-maps',
  '--no-warnings',
  '--no-deprecation',
  '--trace-warnings',
  '--trace-deprecation',
  '--pending-deprecation',
  '--preserve-symlinks',
  '--preserve-symlinks-main',
]);

/** Experimental module flags (`--experimental-vm-modules`, `--experimental-default-type=module` …). */
const EXPERIMENTAL_MODULE =
  /^--experimental-(vm-modules|default-type|specifier-resolution|import-meta-resolve|require-module|detect-module|strip-types|transform-types|wasm-modules|json-modules)(=|$)/;

/** The part of `execArgv` that a worker thread accepts and needs, in order. */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (WITH_VALUE.has(name)) {
      if (eq > 0) out.push(arg);
      else if (i + 1 < execArgv.length) out.push(arg, execArgv[++i]);
    } else if (BARE.has(arg) || EXPERIMENTAL_MODULE.test(arg)) out.push(arg);
  }
  return out;
}
