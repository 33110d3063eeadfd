/** Shared test helpers: the deterministic weight/input pattern of golden/make_golden.py. */
import { type BackendPreference, initBackend, tf } from '@bmse/backend';
import type { BmseNet, RawTensor } from '../src/index.js';
import { toTorchStateDict } from '../src/index.js';

export async function setupWasm(): Promise<void> {
  // BMSE_BACKEND=tensorflow runs the suite on tfjs-node (scripts/backends/tfjs-node-local.sh)
  await initBackend((process.env.BMSE_BACKEND as BackendPreference | undefined) ?? 'wasm');
}

function phase(name: string): number {
  let s = 0;
  for (const c of name) s += c.charCodeAt(0);
  return (s % 97) * 0.1;
}

/** PyTorch-named tensors filled like make_golden.py's `fill` (BN vs conv told apart by the name map). */
export function patternStateDict(net: BmseNet): Map<string, RawTensor> {
  const bnLayers = new Set(net.model.layers.filter((l) => l.getClassName() === 'BmseBatchNorm2d').map((l) => l.name));
  const out = new Map<string, RawTensor>();
  for (const [name, t] of toTorchStateDict(net)) {
    const dot = name.lastIndexOf('.');
    const mod = name.slice(0, dot);
    const leaf = name.slice(dot + 1);
    const n = t.data.length;
    const data = new Float32Array(n);
    const fanIn = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const ph = phase(name);
    const isBn = bnLayers.has(mod);
    const amp = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) {
      const s = Math.sin(0.7 * i + ph);
      if (isBn) data[i] = leaf === 'weight' ? 1 + 0.2 * s : leaf === 'running_var' ? 1 + 0.5 * s * s : 0.1 * s;
      else data[i] = leaf === 'weight' ? amp * s : 0.1 * s;
    }
    out.set(name, { dtype: 'F32', shape: t.shape, data });
  }
  return out;
}

/** NHWC input sin(0.37·i), as make_golden.py's `nhwc_input`. */
export function patternInput(shape: [number, number, number, number]): tf.Tensor4D {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(
    Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i)),
    shape,
  );
}

/** Deterministic values in [-1, 1). */
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

export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}
