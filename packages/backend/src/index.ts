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
export {
  describeNative,
  loadNativeBlas,
  loadNativeBuilds,
  type NativeBlas,
  openBlasCoreTypeFor,
} from './native/blas.js';
export { addRelu } from './ops/add-relu.js';
export { batchNormInference } from './ops/batch-norm-inference.js';
export { type BatchNormTrainingResult, batchNormTraining } from './ops/batch-norm-training.js';
export { type AdamUpdateAttrs, adamUpdate, adamUpdateArrays, adamUpdateInPlace } from './optim/adam-update.js';
export { FusedAdam, type FusedAdamOptions } from './optim/fused-adam.js';
export { leanGradients, leanVariableGrads } from './optim/lean-gradients.js';
export { tf } from './tf.js';
export { conv2DBackpropFilterWasm } from './wasm/conv2d-backprop-filter.js';
export { conv2DBackpropInputWasm, phaseAxis } from './wasm/conv2d-backprop-input.js';
export { updateRunningAverage } from './wasm/in-place.js';
export { registerWasmTrainingKernels } from './wasm/register-training-kernels.js';
export {
  allocateSharedWasmTensor,
  canShareWasmTensors,
  type SharedWasmTensor,
} from './wasm/shared-tensor.js';
export {
  describeAdapter,
  isSoftwareAdapter,
  mayHaveGpu,
  preferSwiftShaderWhenUnset,
  probeWebGpu,
  swiftShaderIcd,
  type WebGpuAdapter,
  type WebGpuProbe,
} from './webgpu.js';
