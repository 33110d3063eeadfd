/**
 * Registers the project's training kernels for the wasm backend: the missing
 * Conv2DBackpropFilter, and an XNNPACK-based Conv2DBackpropInput in place of the
 * backend's scalar loop. Idempotent.
 */
import { tf } from '../tf.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';

export const wasmTrainingKernels: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterWasmConfig,
  conv2DBackpropInputWasmConfig,
];

const registered = new Set<string>();

/** Names of the kernels this project provides for wasm. */
export function registerWasmTrainingKernels(): string[] {
  for (const config of wasmTrainingKernels) {
    if (registered.has(config.kernelName)) continue;
    if (tf.getKernel(config.kernelName, 'wasm') != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    registered.add(config.kernelName);
  }
  return wasmTrainingKernels.map((k) => k.kernelName);
}
