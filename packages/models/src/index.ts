/**
 * @bmse/models: ResNet-18/34/50 regressors and the Hu et al. depth network with
 * PyTorch's structure and parameter counts, FDS, PyTorch/safetensors weight
 * loading, and atomic checkpoints (reference spec §1.7, §3).
 */
export {
  CHECKPOINT_VERSION,
  type CheckpointState,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  loadCheckpoint,
  readCheckpointInfo,
  saveCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
export { CheckpointError } from './checkpoint-error.js';
export { createModel } from './create-model.js';
export { buildDepthNet, createDepthNet } from './depth-net.js';
export {
  FDS,
  type FdsBinning,
  type FdsBufferName,
  type FdsOptions,
  type FdsState,
  type ResolvedFdsOptions,
  resolveFdsOptions,
} from './fds/fds.js';
export { type FdsKernel, fdsKernelWindow, gaussianFilter1d, smoothAlongBins, triangWindow } from './fds/kernel.js';
export { AddRelu } from './layers/add-relu.js';
export { BatchNorm2d, type FrozenBnMode } from './layers/batch-norm.js';
export { type ConvInit, NetBuilder } from './layers/builder.js';
export { TorchConv2d, type TorchConv2dArgs, torchPadding } from './layers/conv2d.js';
export { TorchMaxPool2d, type TorchMaxPool2dArgs } from './layers/max-pool.js';
export { BilinearUpsample, interpolationMatrix, resizeBilinearTorch } from './layers/upsample.js';
export { buildLinearRegressor, createLinearRegressor } from './linear.js';
export { BmseNet, type ForwardOptions, type ForwardResult, freezeForRrt } from './net.js';
export { buildResNetRegressor, createResNetRegressor } from './resnet.js';
export { type ResNetDepth, resNetDepths, stageChannels } from './resnet-blocks.js';
export { parseSafetensors, type RawTensor, readSafetensors, serializeSafetensors } from './safetensors.js';
export type {
  DepthEncoder,
  DepthNetOptions,
  LinearRegressorOptions,
  ModelSpec,
  ResNetRegressorOptions,
} from './spec.js';
export {
  loadPretrainedEncoder,
  loadTorchStateDict,
  type TorchLoadOptions,
  type TorchLoadReport,
  toTorchStateDict,
} from './torch-weights.js';
