export {
  type BackendInfo,
  type BackendPreference,
  backendInfo,
  backendPreferences,
  describeBackend,
  type InitBackendOptions,
  initBackend,
  type SkippedBackend,
} from './init-backend.js';
export { tf } from './tf.js';
export { conv2DBackpropFilterWasm } from './wasm/conv2d-backprop-filter.js';
export { conv2DBackpropInputWasm, phaseAxis } from './wasm/conv2d-backprop-input.js';
export { registerWasmTrainingKernels, wasmTrainingKernels } from './wasm/register-training-kernels.js';
