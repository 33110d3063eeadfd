/** initBackend('auto') on a machine without the native tfjs packages: wasm, and why the others were skipped. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import {
  backendInfo,
  describeBackend,
  initBackend,
  mayHaveGpu,
  openBlasCoreTypeFor,
  preferSwiftShaderWhenUnset,
  swiftShaderIcd,
  tf,
} from '@bmse/backend';
import { describe, expect, it } from 'vitest';

// with SwiftShader's Vulkan driver (CI), Dawn offers a software adapter that 'auto' must pass over
const icd = swiftShaderIcd();
preferSwiftShaderWhenUnset();

const installed = (pkg: string) => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

describe('mayHaveGpu', () => {
  const nodes = ['/dev/nvidia0', '/dev/dxg'].filter((n) => fs.existsSync(n));
  const dri = fs.existsSync('/dev/dri') && fs.readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  it.skipIf(process.platform !== 'linux' || nodes.length > 0 || dri)(
    "says no without a GPU device node, unless VK_ICD_FILENAMES names a driver ('auto' then skips Dawn's probe)",
    () => {
      const saved = process.env.VK_ICD_FILENAMES;
      try {
        delete process.env.VK_ICD_FILENAMES;
        expect(mayHaveGpu()).toEqual({
          yes: false,
          reason: 'no GPU device here (no /dev/dri/renderD*, /dev/nvidia0 or /dev/dxg)',
        });
        process.env.VK_ICD_FILENAMES = '/usr/share/vulkan/icd.d/some_icd.json';
        expect(mayHaveGpu()).toEqual({ yes: true });
      } finally {
        if (saved == null) delete process.env.VK_ICD_FILENAMES;
        else process.env.VK_ICD_FILENAMES = saved;
      }
    },
  );
});

describe('initBackend', () => {
  it('rejects an unknown preference, naming the allowed ones', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(
      /unknown backend 'gpu'; allowed: auto, tensorflow, webgpu, wasm, cpu/,
    );
  });

  it.skipIf(installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node'))(
    "'auto' picks wasm here and says why the native and webgpu backends were skipped",
    async () => {
      const info = await initBackend('auto', { threads: 2 });
      expect(info.backend).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(info.gpu).toBe(false);
      expect(info.skipped.map((s) => s.candidate)).toEqual([
        '@tensorflow/tfjs-node-gpu',
        'webgpu',
        '@tensorflow/tfjs-node',
      ]);
      expect(info.skipped[0].reason).toBe('not installed');
      expect(info.skipped[2].reason).toBe('not installed');
      // SwiftShader: "only a software adapter (SwiftShader driver 5.0.0 (google swiftshader, software)) — slower than wasm; ..."
      expect(info.skipped[1].reason).toMatch(
        process.env.VK_ICD_FILENAMES === icd && icd
          ? /^only a software adapter \(SwiftShader.*\) — slower than wasm/
          : /^(only a software adapter|no WebGPU adapter|the optional 'webgpu' package|no GPU device here)/,
      );
      console.log(`auto: ${describeBackend(info)}`);
      expect(info.threads).toBe(2);
      // XNNPACK's pool holds one worker (2 threads = the caller + 1); Emscripten's 7 idle ones are ended
      const pthread = (tf.backend() as unknown as { wasm: { PThread: Record<string, unknown[]> } }).wasm.PThread;
      expect([pthread.runningWorkers.length, pthread.unusedWorkers.length]).toEqual([1, 0]);
      const y = tf.conv2d(tf.ones([2, 9, 9, 8]) as tf.Tensor4D, tf.ones([3, 3, 8, 4]) as tf.Tensor4D, 1, 'valid');
      expect(Array.from(await y.data()).every((v) => v === 72)).toBe(true); // 3·3·8 ones on the worker threads
      y.dispose();
      expect(info.simd).toBe(true);
      expect(info.kernels).toContain('Conv2DBackpropFilter');
      expect(backendInfo()).toBe(info);
      expect(describeBackend(info)).toMatch(
        /^wasm \(cpu, 2 threads, SIMD, native conv: .+\); skipped @tensorflow\/tfjs-node-gpu: not installed/,
      );
      // one backend per process
      await expect(initBackend('cpu')).rejects.toThrow(/already initialised/);
      expect(await initBackend('wasm')).toBe(info);
    },
  );
});

describe('the wasm thread pool', () => {
  it('starts threads − 1 pthread workers (the patched pool size), not Emscripten’s 8', () => {
    // counts every worker_threads.Worker the process creates while initBackend starts the pool
    const code =
      "const wt = require('node:worker_threads'); let n = 0; const W = wt.Worker; " +
      'wt.Worker = class extends W { constructor(...a) { n++; super(...a); } }; ' +
      "import('@bmse/backend').then(async (b) => { await b.initBackend('wasm', { threads: 2 }); console.log('workers', n); })";
    const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', '-e', code], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/^workers 1$/m);
  });
});

describe('openBlasCoreTypeFor', () => {
  it('maps CPU feature flags to an OpenBLAS core type', () => {
    expect(
      openBlasCoreTypeFor(new Set(['avx2', 'fma', 'avx512f', 'avx512vl', 'avx512bw', 'avx512dq', 'avx512cd'])),
    ).toBe('SkylakeX');
    expect(openBlasCoreTypeFor(new Set(['avx2', 'fma', 'sse4_2']))).toBe('Haswell');
    expect(openBlasCoreTypeFor(new Set(['sse4_2']))).toBeNull();
  });
});

describe('native convolution kernels', () => {
  const built = (name: string) => fs.existsSync(new URL(`../native/build/${name}.node`, import.meta.url));
  const describeIn = (env: Record<string, string>) => {
    const code =
      "import('@bmse/backend').then(async (b) => console.log(b.describeBackend(await b.initBackend('wasm', { threads: 1 }))))";
    return execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', '-e', code], {
      env: { ...process.env, BMSE_NO_NATIVE: undefined, BMSE_NO_DNNL: undefined, ...env },
      encoding: 'utf8',
    });
  };

  it.skipIf(!built('bmse_blas_dnnl'))('say oneDNN + OpenBLAS when the oneDNN build is present', () => {
    expect(describeIn({})).toMatch(/native conv: oneDNN \d+\.\d+\.\d+ \S+ \+ OpenBLAS \S+\)/);
  });

  it.skipIf(!built('bmse_blas'))('BMSE_NO_DNNL=1 forces the OpenBLAS kernels and says so', () => {
    expect(describeIn({ BMSE_NO_DNNL: '1' })).toMatch(
      /native conv: OpenBLAS \S+ \(oneDNN: disabled by BMSE_NO_DNNL=1\)\)/,
    );
  });

  it.skipIf(!built('bmse_blas'))(
    "make OpenMP's and OpenBLAS' threads sleep between kernels unless the user chose; reject a bad BMSE_DNNL_MIN_POSITIONS",
    () => {
      const env = (extra: Record<string, string | undefined>) => {
        const code =
          "import('@bmse/backend').then(async (b) => { await b.initBackend('wasm', { threads: 1 }); console.log(process.env.OMP_WAIT_POLICY, process.env.OPENBLAS_THREAD_TIMEOUT, /native conv: (oneDNN|OpenBLAS)/.test(b.describeBackend(b.backendInfo())) ? 'native' : 'none') })";
        return execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', '-e', code], {
          env: {
            ...process.env,
            // the parent's switches do not apply: the child is asked about the native build itself
            BMSE_NO_NATIVE: undefined,
            BMSE_NO_DNNL: undefined,
            OMP_WAIT_POLICY: undefined,
            OPENBLAS_THREAD_TIMEOUT: undefined,
            ...extra,
          },
          encoding: 'utf8',
        }).trim();
      };
      expect(env({})).toBe('passive 4 native');
      expect(env({ OMP_WAIT_POLICY: 'active', OPENBLAS_THREAD_TIMEOUT: '20' })).toBe('active 20 native');
      // a bad value keeps the loader from using the build, and says why
      expect(env({ BMSE_NO_DNNL: '1' })).toBe('passive 4 native');
      expect(env({ BMSE_DNNL_MIN_POSITIONS: 'many', BMSE_NO_DNNL: '1' })).toMatch(/none$/);
    },
  );

  it('BMSE_NO_NATIVE=1 leaves the XNNPACK kernels', () => {
    expect(describeIn({ BMSE_NO_NATIVE: '1' })).toMatch(/native conv: disabled by BMSE_NO_NATIVE=1\)/);
  });
});
