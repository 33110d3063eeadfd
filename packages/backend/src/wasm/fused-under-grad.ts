/**
 * Keeps `tf.fused.conv2d` fused while gradients are recorded. tfjs-core runs a fused convolution
 * with a non-linear activation as Conv2D + Add + Relu whenever a gradient tape is on (its
 * `shouldFuse`), so every tf.layers conv2d with `activation: 'relu'` trains unfused: two extra
 * passes over each activation forward, a Relu and a broadcast-Add gradient backward, and the
 * pre-activation kept alive for the Add gradient. On wasm this replaces `tf.fused.conv2d` (the
 * function tfjs-layers calls) with one that, in that case, runs the FusedConv2D kernel (oneDNN:
 * bias and ReLU as post-ops) on the tape with a registered gradient: dy * step(y), then the two
 * convolution gradients and the bias gradient (a sum over positions), each only when needed. Everything else — other backends,
 * other activations, PReLU, dilation, NCHW, inference — goes to tfjs-core's own function.
 * A linear convolution with a bias is one FusedConv2D on the tape the same way (its gradient lazy per
 * input: no input gradient for a first layer, no un-needed pass).
 * A linear convolution without bias (every ResNet convolution) runs as the Conv2D kernel, whose
 * gradient is lazy too: tfjs-core's fused op computes every gradient of its custom gradient, the
 * input gradient of the stem convolution (an image) included.
 * `tf.fused.matMul` (every tf.layers dense layer) gets the same treatment for a ReLU activation:
 * one _FusedMatMul kernel (bias and ReLU fused) on the tape, whose gradient is dy * step(y), then
 * the two products and the bias sum, each only when needed. And `tf.layers.separableConv2d`, which
 * tfjs-layers runs as separableConv2d + a broadcast bias Add + the activation (three passes over the
 * output forward, three backward), runs its pointwise 1x1 convolution through `tf.fused.conv2d` with
 * the bias and a ReLU/linear activation, so it becomes one FusedConv2D as well.
 */
import { reluBackward, reluBackwardWithBiasSum } from '../relu-grad.js';
import { tf } from '../tf.js';

type FusedConv2DArgs = Parameters<typeof tf.fused.conv2d>[0];
type FusedConv2D = (args: FusedConv2DArgs) => tf.Tensor;
type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];
type FusedMatMul = (args: FusedMatMulArgs) => tf.Tensor;

let original: FusedConv2D | null = null;
let originalMatMul: FusedMatMul | null = null;

const isOne = (v: number | [number, number] | undefined) =>
  v == null || (typeof v === 'number' ? v === 1 : v[0] === 1 && v[1] === 1);

/**
 * How this call runs under a gradient tape on wasm: 'relu' or 'linear' (one FusedConv2D on the tape with
 * the bias, registered lazy gradient), 'conv' (no bias, linear: the Conv2D kernel, whose registered
 * gradient is lazy too), or null (tfjs-core's function, which computes every gradient eagerly).
 */
function route(a: FusedConv2DArgs): 'relu' | 'linear' | 'conv' | null {
  if (tf.getBackend() !== 'wasm' || tf.engine().state.gradientDepth === 0) return null;
  if (a.preluActivationWeights != null || (a.dataFormat ?? 'NHWC') !== 'NHWC' || !isOne(a.dilations)) return null;
  const linear = a.activation == null || a.activation === 'linear';
  if (!(a.activation === 'relu' || linear) || !checkInputs(a)) return null;
  if (!linear) return 'relu';
  return a.bias == null ? 'conv' : 'linear';
}

function checkInputs(a: FusedConv2DArgs): boolean {
  const { x, filter, bias } = a;
  if (!(x instanceof tf.Tensor) || !(filter instanceof tf.Tensor) || x.rank !== 4 || filter.rank !== 4) return false;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return false;
  if (bias != null) {
    if (!(bias instanceof tf.Tensor) || bias.dtype !== 'float32') return false;
    if (bias.rank !== 1 || bias.shape[0] !== filter.shape[3]) return false;
  }
  return true;
}

/**
 * The gradient of FusedConv2D (linear or relu, NHWC, no dilation), for FusedConv2D kernels run on the
 * tape directly (tfjs-core's own fused op records its custom gradient instead). Lazy per input, so the
 * input gradient of a first layer (an image, no gradient wanted) is never computed.
 */
export const fusedConv2DGradConfig: tf.GradConfig = {
  kernelName: tf.FusedConv2D,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved;
    const { strides, pad, dimRoundingMode, activation } = attrs as unknown as FusedConv2DArgs;
    if (activation !== 'relu' && activation !== 'linear') {
      throw new Error(`FusedConv2D gradient: activation '${activation}' is not supported here`);
    }
    // with the ReLU, dy · step(y) and its sum for the bias in one pass (unused without a bias: released with the node)
    const [d, dBias] = activation === 'relu' ? reluBackwardWithBiasSum(dy as tf.Tensor, y) : [dy as tf.Tensor, null];
    const convAttrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode } as unknown as tf.NamedAttrMap;
    const engine = tf.engine();
    return {
      x: () =>
        engine.runKernel(tf.Conv2DBackpropInput, { dy: d, filter }, { ...convAttrs, inputShape: x.shape }) as tf.Tensor,
      filter: () =>
        engine.runKernel(
          tf.Conv2DBackpropFilter,
          { x, dy: d },
          { ...convAttrs, filterShape: filter.shape },
        ) as tf.Tensor,
      bias: () => dBias ?? tf.sum(d, [0, 1, 2]),
    };
  },
};

/** act(conv2d(x, filter) + bias), act ReLU or none, as one FusedConv2D kernel on the tape (its gradient: fusedConv2DGradConfig). */
function fusedConv2dOnTape(a: FusedConv2DArgs, activation: 'relu' | 'linear'): tf.Tensor4D {
  const { x, filter, bias, strides, pad, dimRoundingMode } = a;
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode, activation };
  const inputs = bias ? { x, filter, bias } : { x, filter };
  return tf
    .engine()
    .runKernel(tf.FusedConv2D, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** Whether a `tf.fused.matMul` call runs as one _FusedMatMul on the tape: wasm, a tape, ReLU, rank-2 float32 operands, a 1-D bias or none. */
function routeMatMul(a: FusedMatMulArgs): boolean {
  if (tf.getBackend() !== 'wasm' || tf.engine().state.gradientDepth === 0) return false;
  if (a.activation !== 'relu' || a.preluActivationWeights != null) return false;
  const { a: x, b: w, bias } = a;
  if (!(x instanceof tf.Tensor) || !(w instanceof tf.Tensor) || x.rank !== 2 || w.rank !== 2) return false;
  if (x.dtype !== 'float32' || w.dtype !== 'float32') return false;
  const n = a.transposeB ? w.shape[0] : w.shape[1];
  if (
    bias != null &&
    (!(bias instanceof tf.Tensor) || bias.dtype !== 'float32' || bias.rank !== 1 || bias.shape[0] !== n)
  )
    return false;
  return (a.transposeA ? x.shape[0] : x.shape[1]) === (a.transposeB ? w.shape[1] : w.shape[0]);
}

/**
 * The gradient of _FusedMatMul (linear or relu, one batch on both sides), for the kernels run on the tape
 * by fusedMatMulRelu (tfjs-core's own fused op records its custom gradient instead); the products as
 * tfjs-core's custom gradient forms them, each input's only when needed.
 */
export const fusedMatMulGradConfig: tf.GradConfig = {
  kernelName: tf._FusedMatMul,
  inputsToSave: ['a', 'b'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [a, b, y] = saved;
    const { transposeA, transposeB, activation } = attrs as unknown as {
      transposeA: boolean;
      transposeB: boolean;
      activation: string;
    };
    if (activation !== 'relu' && activation !== 'linear') {
      throw new Error(`_FusedMatMul gradient: activation '${activation}' is not supported here`);
    }
    const d = activation === 'relu' ? reluBackward(dy as tf.Tensor, y) : (dy as tf.Tensor);
    return {
      a: () => (!transposeA ? tf.matMul(d, b, false, !transposeB) : tf.matMul(b, d, transposeB, true)),
      b: () => (!transposeB ? tf.matMul(a, d, !transposeA, false) : tf.matMul(d, a, true, transposeA)),
      bias: () => tf.sum(d, [0, 1]),
    };
  },
};

/** relu(a·b + bias) (rank 2) as one _FusedMatMul kernel on the tape (its gradient: fusedMatMulGradConfig). */
function fusedMatMulRelu(m: FusedMatMulArgs): tf.Tensor2D {
  const a = m.a as tf.Tensor2D;
  const b = m.b as tf.Tensor2D;
  const transposeA = m.transposeA ?? false;
  const transposeB = m.transposeB ?? false;
  const rows = transposeA ? a.shape[1] : a.shape[0];
  const cols = transposeB ? b.shape[0] : b.shape[1];
  const a3 = tf.reshape(a, [1, ...a.shape]);
  const b3 = tf.reshape(b, [1, ...b.shape]);
  const inputs = m.bias ? { a: a3, b: b3, bias: m.bias } : { a: a3, b: b3 };
  const attrs = { transposeA, transposeB, activation: 'relu', leakyreluAlpha: 0 };
  const y = tf
    .engine()
    .runKernel(tf._FusedMatMul, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D;
  return tf.reshape(y, [rows, cols]);
}

interface SeparableConvLayer {
  rank: number;
  dataFormat: string;
  strides: [number, number];
  padding: 'same' | 'valid';
  dilationRate: [number, number];
  useBias: boolean;
  depthwiseKernel: { read(): tf.Tensor };
  pointwiseKernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string } | null;
}
type LayerCall = (
  this: SeparableConvLayer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: unknown,
) => tf.Tensor | tf.Tensor[];
let separableOwner: { call: LayerCall } | null = null;
let originalSeparableCall: LayerCall | null = null;

/** The separable convolution as depthwise + one fused pointwise convolution with bias and activation (NHWC, ReLU or linear), else null. */
function fusedSeparable(layer: SeparableConvLayer, inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | null {
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
  const activation = layer.activation?.getClassName() ?? 'linear';
  if (tf.getBackend() !== 'wasm' || !x || layer.rank !== 2 || layer.dataFormat !== 'channelsLast') return null;
  if (x.rank !== 4 || x.dtype !== 'float32' || (activation !== 'relu' && activation !== 'linear')) return null;
  return tf.tidy(() => {
    const depth = tf.depthwiseConv2d(
      x as tf.Tensor4D,
      layer.depthwiseKernel.read() as tf.Tensor4D,
      layer.strides,
      layer.padding,
      'NHWC',
      layer.dilationRate,
    );
    return tf.fused.conv2d({
      x: depth,
      filter: layer.pointwiseKernel.read() as tf.Tensor4D,
      strides: 1,
      pad: 'valid',
      bias: layer.useBias && layer.bias ? layer.bias.read() : undefined,
      activation,
    });
  });
}

/** Routes tf.layers.separableConv2d's forward pass through fusedSeparable (idempotent). */
function fuseSeparableConvLayers(): void {
  if (separableOwner) return;
  // the class from tfjs-layers' registry (making a layer would use up one of its auto-generated names)
  const registry = tf.serialization.SerializationMap.getMap() as unknown as {
    classNameMap: Record<string, [{ prototype: object }, unknown] | undefined>;
  };
  let proto: object | null = registry.classNameMap.SeparableConv2D?.[0].prototype ?? null;
  while (proto && !Object.hasOwn(proto, 'call')) proto = Object.getPrototypeOf(proto);
  if (!proto) return;
  const owner = proto as { call: LayerCall };
  const base = owner.call;
  separableOwner = owner;
  originalSeparableCall = base;
  owner.call = function (this: SeparableConvLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: unknown) {
    return fusedSeparable(this, inputs) ?? base.call(this, inputs, kwargs);
  };
}

/** Installs the replacement of `tf.fused.conv2d` (idempotent). */
export function keepFusionUnderGradients(): void {
  if (original) return;
  tf.registerGradient(fusedConv2DGradConfig);
  const fused = tf.fused as unknown as { conv2d: FusedConv2D };
  const base = fused.conv2d;
  original = base;
  fused.conv2d = (a: FusedConv2DArgs) => {
    const how = route(a);
    if (how === 'relu' || how === 'linear') return fusedConv2dOnTape(a, how);
    if (how === 'conv') return tf.conv2d(a.x as tf.Tensor4D, a.filter, a.strides, a.pad, 'NHWC', 1, a.dimRoundingMode);
    return base(a);
  };
  tf.registerGradient(fusedMatMulGradConfig);
  const fusedMm = tf.fused as unknown as { matMul: FusedMatMul };
  const baseMm = fusedMm.matMul;
  originalMatMul = baseMm;
  fusedMm.matMul = (m: FusedMatMulArgs) => (routeMatMul(m) ? fusedMatMulRelu(m) : baseMm(m));
  fuseSeparableConvLayers();
}

/** Puts tfjs-core's own `tf.fused.conv2d` and `tf.fused.matMul` and tfjs-layers' separable convolution back (tests). */
export function restoreFusedConv2d(): void {
  if (!original) return;
  (tf.fused as unknown as { conv2d: FusedConv2D }).conv2d = original;
  if (originalMatMul) (tf.fused as unknown as { matMul: FusedMatMul }).matMul = originalMatMul;
  if (separableOwner && originalSeparableCall) separableOwner.call = originalSeparableCall;
  original = null;
  originalMatMul = null;
  separableOwner = null;
  originalSeparableCall = null;
}
