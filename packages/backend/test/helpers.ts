import { initBackend, tf } from '@bmse/backend';
import { dnnlMinPositions, loadNativeBlas, loadNativeBuilds, type NativeBlas } from '../src/native/blas.js';

/** Initialises wasm (with the project's kernels), keeping cpu available as the reference. */
export async function setupWasm(): Promise<void> {
  await initBackend('wasm');
}

/** Runs `fn` with `backend` active and returns its tensors' values as plain arrays; restores wasm. */
export async function on<T extends tf.Tensor | tf.Tensor[]>(
  backend: 'cpu' | 'wasm',
  fn: () => T,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  try {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const values = await Promise.all(list.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(list);
    return values;
  } finally {
    await tf.setBackend('wasm');
  }
}

/** Deterministic pseudo-random values in [-1, 1). */
export function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** A tensor of the given shape filled with `seeded` values. */
export function seededTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    seeded(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** The native kernels initBackend installs, as it installs them (restored after a variant's tests). */
export function initBackendNative(): NativeBlas | null {
  const status = loadNativeBlas(2);
  if (!status.ok) return null;
  status.blas.setDnnlMinPositions(dnnlMinPositions());
  return status.blas;
}

/**
 * The wasm kernel variants to test: XNNPACK-based always; native OpenBLAS (bmse_blas.node) and native
 * oneDNN (bmse_blas_dnnl.node, its convolutions on oneDNN) when built. The last is the one initBackend uses.
 * Each entry: [name, () => the NativeBlas to install in wasmKernelSettings (or null)].
 */
export function kernelVariants(): Array<[string, () => NativeBlas | null]> {
  const status = loadNativeBlas(2);
  const variants: Array<[string, () => NativeBlas | null]> = [['xnnpack', () => null]];
  if (!status.ok) {
    console.warn(`native kernels not tested: ${status.reason}`);
    return variants;
  }
  const builds = loadNativeBuilds(2);
  if (!builds.some((b) => b.name === 'onednn')) console.warn(`oneDNN kernels not tested: ${status.dnnlReason}`);
  // what initBackend chose goes last (afterAll hooks restore it)
  builds.sort((a, b) => Number(a.blas === status.blas) - Number(b.blas === status.blas));
  // the oneDNN variant runs every geometry on oneDNN (by default small ones go to OpenBLAS, tested there)
  for (const { name, blas } of builds)
    variants.push([
      name,
      () => {
        if (name === 'onednn') blas.setDnnlMinPositions(0);
        return blas;
      },
    ]);
  return variants;
}
