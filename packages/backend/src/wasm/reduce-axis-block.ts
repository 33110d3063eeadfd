/**
 * Sum and Mean over a contiguous block of axes that leaves the last one — leading axes (e.g. [0,1,2] of
 * an NHWC tensor: bias, batch-norm and moment reductions in every training step) or middle ones ([1,2]:
 * global average pooling) — for the wasm backend. The backend transposes such inputs so the reduced
 * axes become innermost before reducing (6.5 ms for a [32,32,32,128] global average pool); this adds
 * the rows in place instead (float64 accumulation), once per index of the axes before the block, and
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
  const block = reducedBlock(axis, shape);
  return block && block[0] === 0 ? block[1] : 0;
}

/** [first, end) when `axis` is exactly the axes first..end-1, with end < rank (the last axis kept), else null. */
export function reducedBlock(axis: number | number[], shape: number[]): [number, number] | null {
  const axes = tf.util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  if (axes.length === 0 || axes[axes.length - 1] >= shape.length - 1) return null;
  return axes.every((a, i) => a === axes[0] + i) ? [axes[0], axes[0] + axes.length] : null;
}

/** sums[c] = scale · Σ_r block[r, c] in float64 (the native sumLeading's arithmetic) */
function sumRows(block: Float32Array, sums: Float32Array, rows: number, scale: number): void {
  const inner = sums.length;
  const acc = new Float64Array(inner);
  for (let r = 0, at = 0; r < rows; r++, at += inner) {
    for (let c = 0; c < inner; c++) acc[c] += block[at + c];
  }
  for (let c = 0; c < inner; c++) sums[c] = acc[c] * scale;
}

function reduceBlock(args: ReduceArgs, [first, end]: [number, number], divideByCount: boolean): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const outer = tf.util.sizeFromShape(x.shape.slice(0, first));
  const rows = tf.util.sizeFromShape(x.shape.slice(first, end));
  const inner = tf.util.sizeFromShape(x.shape.slice(end));
  const outShape = attrs.keepDims
    ? x.shape.map((d, i) => (i >= first && i < end ? 1 : d))
    : [...x.shape.slice(0, first), ...x.shape.slice(end)];
  const out = backend.makeOutput(outShape, 'float32');
  const scale = divideByCount ? 1 / rows : 1;
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const native = wasmKernelSettings.native;
  for (let o = 0; o < outer; o++) {
    const block = src.subarray(o * rows * inner, (o + 1) * rows * inner);
    const sums = dst.subarray(o * inner, (o + 1) * inner);
    if (native) native.sumLeading(block, sums, scale);
    else sumRows(block, sums, rows, scale);
  }
  return out;
}

/** The reduction when it is over a block of axes before the last of a float32 tensor, else null. */
function blockFastPath(divideByCount: boolean) {
  return (a: ReduceArgs): tf.TensorInfo | null => {
    const block = a.inputs.x.dtype === 'float32' ? reducedBlock(a.attrs.axis, a.inputs.x.shape) : null;
    return block ? reduceBlock(a, block, divideByCount) : null;
  };
}

export const sumAxisBlockConfig = () => extendWasmKernel(tf.Sum, blockFastPath(false));
export const meanAxisBlockConfig = () => extendWasmKernel(tf.Mean, blockFastPath(true));
