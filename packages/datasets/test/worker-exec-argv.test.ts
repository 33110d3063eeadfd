/** Which parent flags the data workers get (issue #16: `node --input-type=module -e '…'` lost its workers). */
import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../src/loader/worker-exec-argv.js';

describe('workerExecArgv', () => {
  it('drops the entry flags and their code: -e, --eval, -p, --print, --input-type', () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'await 1'])).toEqual([]);
    expect(workerExecArgv(['--eval=1', '--print', 'x', '-p', 'y', '--input-type', 'module'])).toEqual([]);
  });

  it('drops process-wide flags that workers reject', () => {
    expect(
      workerExecArgv(['--max-old-space-size=4096', '--title=bmse', '--expose-gc', '--stack-size=2000', '--watch']),
    ).toEqual([]);
  });

  it('keeps module loading, warning and source-map flags, in both spellings, in order', () => {
    const kept = [
      ['--conditions=source'],
      ['-C', 'node'],
      ['--import', 'file:///x/tsx.mjs'],
      ['--require=./hook.cjs'],
      ['-r', './b.cjs'],
      ['--loader', 'ts-node/esm'],
      ['--experimental-vm-modules'],
      ['--enable-source-maps'],
      ['--no-warnings'],
    ];
    const dropped = [['--max-old-space-size=4096'], ['-e', 'code'], ['--title', 'x']];
    const argv = kept.flatMap((k, i) => [...k, ...(dropped[i] ?? [])]);
    expect(workerExecArgv(argv)).toEqual(kept.flat());
  });
});
