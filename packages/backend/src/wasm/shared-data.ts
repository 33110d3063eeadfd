/**
 * Identity and same-dtype Cast for the wasm backend without copying: the output
 * shares the input's memory (reference-counted), as tfjs-backend-cpu does. The
 * wasm backend copies instead, and tfjs clones every tensor it saves for the
 * backward pass through Identity, so each training step copied every saved
 * activation once more.
 */
import { tf } from '../tf.js';
import { extendWasmKernel, type WasmBackend } from './heap.js';

type UnaryArgs = { inputs: { x: tf.TensorInfo }; backend: WasmBackend; attrs: { dtype?: tf.DataType } };

function share(args: UnaryArgs): tf.TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function withSharing(kernelName: string, applies: (args: UnaryArgs) => boolean): tf.KernelConfig {
  return extendWasmKernel<UnaryArgs>(kernelName, (a) => (applies(a) ? share(a) : null));
}

export const identityConfig = () => withSharing(tf.Identity, (a) => a.inputs.x.dtype !== 'string');
export const castConfig = () =>
  withSharing(tf.Cast, (a) => a.inputs.x.dtype === a.attrs.dtype && a.inputs.x.dtype !== 'string');
