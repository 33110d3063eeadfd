/**
 * Conv2DBackpropInput for tfjs-backend-wasm, replacing the backend's scalar loop
 * with XNNPACK convolutions. The input gradient of a stride-s convolution splits
 * into s_h*s_w phases: the rows i with (i + padTop) mod s_h = q_h (and likewise for
 * columns) receive dy correlated (stride 1) with the sub-filter
 * W[q_h + s_h*j_h, q_w + s_w*j_w] flipped and with in/out channels swapped.
 * Each phase is one Conv2D on the original dy; the phases are then interleaved
 * into dx. Total multiply-adds equal those of the forward convolution (no
 * zero-inserted upsampling of dy). With the native kernels loaded, OpenBLAS sgemm
 * + col2im does it instead.
 */
import { tf } from '../tf.js';
import { dispose, heapF32, makeF32, runWasmKernel, type WasmBackend } from './heap.js';
import { nativeGeometry, wasmKernelSettings } from './settings.js';

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Geometry of one phase along one spatial axis (see the file comment). */
export interface PhaseAxis {
  /** first dx index of the phase, and how many dx indices it has */
  first: number;
  count: number;
  /** sub-filter taps along this axis (0: the phase receives no gradient) */
  taps: number;
  /** explicit padding of the stride-1 correlation, and the offset of the phase's first row in its output */
  padBefore: number;
  padAfter: number;
  offset: number;
}

const mod = (a: number, m: number) => ((a % m) + m) % m;

/** Phase q of an axis with input size `size`, output size `outSize`, kernel `k`, stride `s`, leading pad `pad`. */
export function phaseAxis(q: number, size: number, outSize: number, k: number, s: number, pad: number): PhaseAxis {
  const first = mod(q - pad, s);
  const count = first < size ? Math.ceil((size - first) / s) : 0;
  const taps = q < k ? Math.ceil((k - q) / s) : 0;
  // dx[first + s*t] = sum_j dy[base + t - j] * w[q + s*j], base = (first + pad - q) / s
  const base = (first + pad - q) / s;
  const padBefore = Math.max(0, taps - 1 - base);
  const offset = base - (taps - 1) + padBefore;
  // output rows of the correlation: outSize + padBefore + padAfter - taps + 1 >= offset + count
  const padAfter = Math.max(0, offset + count - outSize - padBefore + taps - 1);
  return { first, count, taps, padBefore, padAfter, offset };
}

/** Sub-filter of phase (qh, qw): f[u, v, co, ci] = W[qh + sh*(Jh-1-u), qw + sw*(Jw-1-v), ci, co]. */
function phaseFilter(
  w: Float32Array,
  [, KW, Cin, Cout]: number[],
  qh: number,
  qw: number,
  sh: number,
  sw: number,
  Jh: number,
  Jw: number,
): Float32Array {
  const f = new Float32Array(Jh * Jw * Cout * Cin);
  for (let u = 0; u < Jh; u++) {
    const kh = qh + sh * (Jh - 1 - u);
    for (let v = 0; v < Jw; v++) {
      const kw = qw + sw * (Jw - 1 - v);
      const src = (kh * KW + kw) * Cin * Cout;
      const dst = (u * Jw + v) * Cout * Cin;
      for (let ci = 0; ci < Cin; ci++) {
        for (let co = 0; co < Cout; co++) f[dst + co * Cin + ci] = w[src + ci * Cout + co];
      }
    }
  }
  return f;
}

export function conv2DBackpropInputWasm(args: {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: WasmBackend;
  attrs: Conv2DBackpropInputAttrs;
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`Conv2DBackpropInput on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
  if (wasmKernelSettings.native) {
    const dx = backend.makeOutput(inputShape, 'float32');
    wasmKernelSettings.native.conv2dBackpropInput(
      heapF32(backend, dy),
      heapF32(backend, filter),
      heapF32(backend, dx),
      nativeGeometry(info),
    );
    return dx;
  }
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Cin, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const wShape = filter.shape;

  const phases: Array<[PhaseAxis, PhaseAxis, number, number]> = [];
  for (let qh = 0; qh < sh; qh++) {
    for (let qw = 0; qw < sw; qw++) {
      phases.push([
        phaseAxis(qh, H, OH, KH, sh, info.padInfo.top),
        phaseAxis(qw, W, OW, KW, sw, info.padInfo.left),
        qh,
        qw,
      ]);
    }
  }

  const runPhase = (ph: PhaseAxis, pw: PhaseAxis, qh: number, qw: number): tf.TensorInfo => {
    const f = makeF32(backend, [ph.taps, pw.taps, info.outChannels, Cin]);
    heapF32(backend, f).set(phaseFilter(heapF32(backend, filter), wShape, qh, qw, sh, sw, ph.taps, pw.taps));
    const out = runWasmKernel(
      backend,
      'Conv2D',
      { x: dy, filter: f },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [ph.padBefore, ph.padAfter],
          [pw.padBefore, pw.padAfter],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
        dimRoundingMode: undefined,
      },
    );
    dispose(backend, f);
    return out;
  };

  // Stride 1 whose correlation output is exactly dx: no interleaving needed.
  if (phases.length === 1) {
    const [ph, pw] = phases[0];
    if (ph.offset === 0 && pw.offset === 0 && ph.count === H && pw.count === W) {
      const out = runPhase(ph, pw, 0, 0);
      if (out.shape[1] === H && out.shape[2] === W) return out;
      dispose(backend, out);
    }
  }

  const dx = backend.makeOutput([N, H, W, Cin], 'float32');
  heapF32(backend, dx).fill(0);
  for (const [ph, pw, qh, qw] of phases) {
    if (ph.count === 0 || pw.count === 0 || ph.taps === 0 || pw.taps === 0) continue; // stays zero
    const out = runPhase(ph, pw, qh, qw);
    const [, RH, RW] = out.shape;
    const src = heapF32(backend, out);
    const dst = heapF32(backend, dx);
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < ph.count; t++) {
        const srcRow = ((n * RH + ph.offset + t) * RW + pw.offset) * Cin;
        const dstRow = ((n * H + ph.first + sh * t) * W + pw.first) * Cin;
        for (let u = 0; u < pw.count; u++) {
          const s0 = srcRow + u * Cin;
          dst.set(src.subarray(s0, s0 + Cin), dstRow + u * sw * Cin);
        }
      }
    }
    dispose(backend, out);
  }
  return dx;
}

export const conv2DBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc,
};
