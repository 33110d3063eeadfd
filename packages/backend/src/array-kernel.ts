/**
 * Kernels written once as a function on Float32Arrays and registered for both
 * the wasm backend (views of the wasm heap, no copies) and the cpu backend (its
 * own arrays). Used by the fused optimizer, batch-norm and ReLU-gradient kernels.
 */
import { tf } from './tf.js';
import { heapF32, type WasmBackend } from './wasm/heap.js';

export interface ArrayKernel<A> {
  kernelName: string;
  /** input names in the order `compute` receives them; an input the caller leaves out is skipped (optional ones go last) */
  inputs: string[];
  /** output shapes from the input shapes (same order as `inputs`) */
  outputShapes: (inputShapes: number[][]) => number[][];
  /** fills the (zero-initialised on cpu, uninitialised on wasm) outputs from the inputs */
  compute: (inputs: Float32Array[], outputs: Float32Array[], attrs: A) => void;
}

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}
type Args = { inputs: Record<string, tf.TensorInfo>; attrs: unknown };

function wasmKernel<A>(k: ArrayKernel<A>) {
  return ({ inputs, backend, attrs }: Args & { backend: WasmBackend }): tf.TensorInfo[] => {
    const ins = k.inputs.map((name) => inputs[name]).filter((t) => t != null);
    const outs = k.outputShapes(ins.map((t) => t.shape)).map((shape) => backend.makeOutput(shape, 'float32'));
    // views after every allocation: a heap growth detaches earlier ones
    k.compute(
      ins.map((t) => heapF32(backend, t)),
      outs.map((t) => heapF32(backend, t)),
      attrs as A,
    );
    return outs;
  };
}

function cpuKernel<A>(k: ArrayKernel<A>) {
  return ({ inputs, backend, attrs }: Args & { backend: CpuBackend }): tf.TensorInfo[] => {
    const ins = k.inputs.map((name) => inputs[name]).filter((t) => t != null);
    const shapes = k.outputShapes(ins.map((t) => t.shape));
    const outs = shapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
    k.compute(
      ins.map((t) => backend.data.get(t.dataId).values),
      outs,
      attrs as A,
    );
    return outs.map((values, i) => backend.makeTensorInfo(shapes[i], 'float32', values));
  };
}

/** Registers `k` for wasm and cpu. */
export function registerArrayKernel<A>(k: ArrayKernel<A>): void {
  for (const [backendName, kernelFunc] of [
    ['wasm', wasmKernel(k)],
    ['cpu', cpuKernel(k)],
  ] as const) {
    if (tf.getKernel(k.kernelName, backendName) == null) {
      tf.registerKernel({ kernelName: k.kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    }
  }
}

/** Whether the current backend has the kernel (else callers compose tfjs ops). */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) != null;
}
