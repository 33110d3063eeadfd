/**
 * A correct bias for tfjs-backend-wasm 4.22's _FusedMatMul: its kernel adds the bias right only for one
 * batch without transposes (what tf.layers' dense layers use); with transposeA, transposeB or a batch
 * above 1 the bias lands on the wrong elements (off by up to max(bias) − min(bias); found while fusing
 * dense + ReLU under a gradient tape; tfjs' own cpu backend is right). In those cases the product runs
 * without bias and activation on the backend's kernel, then the bias is added (the broadcasting Add
 * kernel) and the activation applied (its own kernel) — what tfjs-core's unfused path computes.
 */
import { tf } from '../tf.js';
import { dispose, extendWasmKernel, runWasmKernel, type WasmBackend } from './heap.js';

interface FusedMatMulArgs {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number };
}

/** y = activation(x) by the activation's own kernel (the activations _FusedMatMul fuses). */
function activate(backend: WasmBackend, x: tf.TensorInfo, args: FusedMatMulArgs): tf.TensorInfo {
  const { activation, leakyreluAlpha } = args.attrs;
  switch (activation) {
    case 'relu':
      return runWasmKernel(backend, tf.Relu, { x }, {});
    case 'relu6':
      return runWasmKernel(backend, tf.Relu6, { x }, {});
    case 'elu':
      return runWasmKernel(backend, tf.Elu, { x }, {});
    case 'sigmoid':
      return runWasmKernel(backend, tf.Sigmoid, { x }, {});
    case 'leakyrelu':
      return runWasmKernel(backend, tf.LeakyRelu, { x }, { alpha: leakyreluAlpha ?? 0.2 });
    case 'prelu': {
      const alpha = args.inputs.preluActivationWeights;
      if (!alpha) throw new Error('_FusedMatMul: prelu needs preluActivationWeights');
      return runWasmKernel(backend, tf.Prelu, { x, alpha }, {});
    }
    default:
      throw new Error(`_FusedMatMul: activation '${activation}' is not supported on wasm`);
  }
}

function biasOutsideTheFastPath(args: FusedMatMulArgs): tf.TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const { a, b, bias } = inputs;
  const batch = Math.max(tf.util.sizeFromShape(a.shape.slice(0, -2)), tf.util.sizeFromShape(b.shape.slice(0, -2)));
  if (bias == null || (!attrs.transposeA && !attrs.transposeB && batch === 1)) return null;
  const product = runWasmKernel(
    backend,
    tf._FusedMatMul,
    { a, b },
    { transposeA: attrs.transposeA, transposeB: attrs.transposeB, activation: 'linear', leakyreluAlpha: 0 },
  );
  const z = runWasmKernel(backend, tf.Add, { a: product, b: bias }, {});
  dispose(backend, product);
  if (attrs.activation === 'linear' || attrs.activation == null) return z;
  const y = activate(backend, z, args);
  dispose(backend, z);
  return y;
}

export const fusedMatMulWasmConfig = () => extendWasmKernel(tf._FusedMatMul, biasOutsideTheFastPath);
