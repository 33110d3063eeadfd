/**
 * Registers the project's training kernels for the wasm backend — the missing
 * Conv2DBackpropFilter; Conv2D/FusedConv2D routed to the optional native
 * oneDNN/OpenBLAS kernels; XNNPACK-based (or native) Conv2DBackpropInput, a native MaxPool and a
 * channel-vectorised MaxPoolGrad in place of the backend's scalar loops; the missing depthwise-convolution
 * gradients and UnsortedSegmentSum (gather's gradient); _FusedMatMul's bias where the backend's is wrong; fast paths over leading or middle axes
 * for Sum and Mean; native Relu, same-shape Add and inference batch norm; copy-free Identity and same-dtype Cast — and the tile-free
 * FusedBatchNorm gradient. Idempotent.
 */
import { fusedBatchNormGradConfig } from '../batch-norm-grad.js';
import { tf } from '../tf.js';
import { batchMatMulConfig } from './batch-matmul.js';
import { batchNormInferenceWasmConfig } from './batch-norm-inference.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { conv2DWasmConfig, fusedConv2DWasmConfig } from './conv2d-forward.js';
import { depthwiseBackpropFilterWasmConfig, depthwiseBackpropInputWasmConfig } from './depthwise-grads.js';
import { addWasmConfig, reluWasmConfig } from './elementwise.js';
import { fusedMatMulWasmConfig } from './fused-matmul-bias.js';
import { maxPoolWasmConfig } from './max-pool.js';
import { maxPoolGradWasmConfig } from './max-pool-grad.js';
import { meanAxisBlockConfig, sumAxisBlockConfig } from './reduce-axis-block.js';
import { castConfig, identityConfig } from './shared-data.js';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum.js';

/** Kernels this project provides (or extends) for wasm, created lazily because the extensions wrap the backend's own. */
function trainingKernels(): tf.KernelConfig[] {
  return [
    conv2DWasmConfig(),
    fusedConv2DWasmConfig(),
    conv2DBackpropFilterWasmConfig,
    conv2DBackpropInputWasmConfig,
    maxPoolWasmConfig(),
    reluWasmConfig(),
    addWasmConfig(),
    batchNormInferenceWasmConfig(),
    maxPoolGradWasmConfig,
    sumAxisBlockConfig(),
    meanAxisBlockConfig(),
    identityConfig(),
    batchMatMulConfig(),
    castConfig(),
    depthwiseBackpropInputWasmConfig,
    depthwiseBackpropFilterWasmConfig,
    unsortedSegmentSumWasmConfig,
    fusedMatMulWasmConfig(),
  ];
}

let registered: string[] | null = null;

/** Registers the kernels (once) and returns their names. */
export function registerWasmTrainingKernels(): string[] {
  if (registered) return registered;
  const configs = trainingKernels();
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm') != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  tf.registerGradient(fusedBatchNormGradConfig);
  registered = configs.map((k) => k.kernelName);
  return registered;
}
