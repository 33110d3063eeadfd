/**
 * ReLU gradient in one pass (dx = dy * (x > 0)) on wasm (native C when built) and cpu, instead of
 * tfjs-core's step(x) -> cast -> multiply (two passes and a temporary the size
 * of the activation). Other backends keep tfjs-core's formula.
 */
import { tf } from './tf.js';
import { heapF32, type WasmBackend } from './wasm/heap.js';
import { wasmKernelSettings } from './wasm/settings.js';

export const reluGradKernelName = 'BmseReluGrad';

/** dx = dy * step(x), exactly tfjs-core's product (a branch-free loop: ReLU inputs defeat branch prediction). */
function reluGradArrays(dy: Float32Array, x: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) dx[i] = dy[i] * +(x[i] > 0);
}

type Args = { inputs: { dy: tf.TensorInfo; x: tf.TensorInfo } };

function wasmReluGrad({ inputs, backend }: Args & { backend: WasmBackend }): tf.TensorInfo {
  const out = backend.makeOutput(inputs.x.shape, 'float32');
  const args = [heapF32(backend, inputs.dy), heapF32(backend, inputs.x), heapF32(backend, out)] as const;
  if (wasmKernelSettings.native) wasmKernelSettings.native.reluGrad(...args);
  else reluGradArrays(...args);
  return out;
}

interface CpuBackend {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuReluGrad({ inputs, backend }: Args & { backend: CpuBackend }): tf.TensorInfo {
  const x = backend.data.get(inputs.x.dataId).values;
  const dx = new Float32Array(x.length);
  reluGradArrays(backend.data.get(inputs.dy.dataId).values, x, dx);
  return backend.makeTensorInfo(inputs.x.shape, 'float32', dx);
}

export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [x] = saved;
    const g = dy as tf.Tensor;
    if (x.dtype === 'float32' && g.dtype === 'float32' && tf.getKernel(reluGradKernelName, tf.getBackend()) != null) {
      return { x: () => tf.engine().runKernel(reluGradKernelName, { dy: g, x }) as tf.Tensor };
    }
    return { x: () => tf.mul(g, tf.cast(tf.step(x), 'float32')) };
  },
};

let registered = false;

/** Registers the one-pass ReLU gradient kernels (wasm, cpu) and the gradient that uses them. Idempotent. */
export function registerReluGrad(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: reluGradKernelName,
    backendName: 'wasm',
    kernelFunc: wasmReluGrad as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: reluGradKernelName,
    backendName: 'cpu',
    kernelFunc: cpuReluGrad as unknown as tf.KernelFunc,
  });
  tf.registerGradient(reluGradConfig);
  registered = true;
}
