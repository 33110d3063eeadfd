/**
 * Sum and Mean over leading axes (e.g. [0,1,2] of an NHWC tensor: bias, batch-norm
 * and moment reductions in every training step) for the wasm backend. The
 * backend transposes such inputs so the reduced axes become innermost before
 * reducing; this adds the rows in place instead (float64 accumulation) and
 * hands every other case to the backend's own kernel.
 */
import { tf } from '../tf.js';
import { extendWasmKernel, heapF32, type WasmBackend } from './heap.js';
import { wasmKernelSettings } from './settings.js';

interface ReduceAttrs {
  axis: number | number[];
  keepDims: boolean;
}
type ReduceArgs = { inputs: { x: tf.TensorInfo }; backend: WasmBackend; attrs: ReduceAttrs };

/** Number of leading axes reduced when `axis` is exactly 0..k-1 with 0 < k < rank, else 0. */
export function leadingAxesCount(axis: number | number[], shape: number[]): number {
  const axes = tf.util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

function reduceLeading(args: ReduceArgs, k: number, divideByCount: boolean): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
  const inner = tf.util.sizeFromShape(x.shape.slice(k));
  const outShape = attrs.keepDims ? [...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)] : x.shape.slice(k);
  const out = backend.makeOutput(outShape, 'float32');
  if (wasmKernelSettings.native) {
    wasmKernelSettings.native.sumLeading(heapF32(backend, x), heapF32(backend, out), divideByCount ? 1 / rows : 1);
    return out;
  }
  const acc = new Float64Array(inner);
  const src = heapF32(backend, x);
  for (let r = 0, o = 0; r < rows; r++, o += inner) {
    for (let c = 0; c < inner; c++) acc[c] += src[o + c];
  }
  const dst = heapF32(backend, out);
  const scale = divideByCount ? 1 / rows : 1;
  for (let c = 0; c < inner; c++) dst[c] = acc[c] * scale;
  return out;
}

/** The reduction when it is over leading axes of a float32 tensor, else null. */
function leadingAxesFastPath(divideByCount: boolean) {
  return (a: ReduceArgs): tf.TensorInfo | null => {
    const k = a.inputs.x.dtype === 'float32' ? leadingAxesCount(a.attrs.axis, a.inputs.x.shape) : 0;
    return k > 0 ? reduceLeading(a, k, divideByCount) : null;
  };
}

export const sumLeadingAxesConfig = () => extendWasmKernel(tf.Sum, leadingAxesFastPath(false));
export const meanLeadingAxesConfig = () => extendWasmKernel(tf.Mean, leadingAxesFastPath(true));
