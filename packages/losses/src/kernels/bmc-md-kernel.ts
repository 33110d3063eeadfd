/**
 * Fused BMC-MD (spec §1.6) for the CPU backends: the B×B cross products come from one tfjs
 * matMul, the softmax over logits_ij = −‖ŷ_i − y_j‖²/(2s) is done in float64 JS, and the
 * gradients are two more matMuls:
 *   ∂L/∂ŷ = (2/B)(P·Y − Y),   ∂L/∂Y = (2/B)(Pᵀ·Ŷ − diag(Pᵀ1)·Y − (Ŷ − Y)),
 *   ∂L/∂s = (2s/B) Σ_i [ −‖ŷ_i − y_i‖² + Σ_j P_ij ‖ŷ_i − y_j‖² ] / (2s²)
 * with P the row softmax (the 2s restore is detached, so 2s·2h = 2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fastExp } from './fast-exp.js';

export function bmcMdFused(pred: tf.Tensor2D, target: tf.Tensor2D, s: tf.Scalar): tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [pt, yt, st] = args as tf.Tensor[];
    const [b, d] = pt.shape as [number, number];
    const p = pt.dataSync() as Float32Array;
    const y = yt.dataSync() as Float32Array;
    const sv = st.dataSync()[0];
    const h = 1 / (2 * sv);
    // centre both sets on the targets' mean (BMC is shift-invariant) before ‖a‖² + ‖b‖² − 2a·b
    const centre = new Float64Array(d);
    for (let i = 0; i < b; i++) for (let k = 0; k < d; k++) centre[k] += y[i * d + k] / b;
    const pc = new Float32Array(b * d);
    const yc = new Float32Array(b * d);
    const pn = new Float64Array(b);
    const yn = new Float64Array(b);
    const diag = new Float64Array(b);
    for (let i = 0; i < b; i++) {
      for (let k = 0; k < d; k++) {
        const a = p[i * d + k] - centre[k];
        const c = y[i * d + k] - centre[k];
        pc[i * d + k] = a;
        yc[i * d + k] = c;
        pn[i] += a * a;
        yn[i] += c * c;
        const e = p[i * d + k] - y[i * d + k];
        diag[i] += e * e;
      }
    }
    const cross = tf.tidy(() => tf.matMul(tf.tensor2d(pc, [b, d]), tf.tensor2d(yc, [b, d]), false, true));
    const cr = cross.dataSync() as Float32Array;
    cross.dispose();
    const prob = new Float32Array(b * b);
    const row = new Float64Array(b);
    let sum = 0;
    let sumDs = 0;
    for (let i = 0; i < b; i++) {
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < b; j++) {
        const dist = pn[i] + yn[j] - 2 * cr[i * b + j];
        row[j] = dist;
        const l = -dist * h;
        if (l > m) m = l;
      }
      let z = 0;
      let zd = 0;
      for (let j = 0; j < b; j++) {
        const e = fastExp(-row[j] * h - m);
        prob[i * b + j] = e;
        z += e;
        zd += e * row[j];
      }
      const inv = 1 / z;
      for (let j = 0; j < b; j++) prob[i * b + j] *= inv;
      sum += diag[i] * h + m + Math.log(z);
      sumDs += (-diag[i] + zd * inv) * 2 * h * h;
    }
    const scale = (2 * sv) / b;
    return {
      value: tf.scalar(scale * sum),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync()[0];
        const [py, ptx] = tf.tidy(() => {
          const pm = tf.tensor2d(prob, [b, b]);
          return [tf.matMul(pm, yt), tf.matMul(pm, pt, true, false)];
        });
        const pyv = py.dataSync();
        const ptxv = ptx.dataSync();
        tf.dispose([py, ptx]);
        const colSum = new Float64Array(b);
        for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) colSum[j] += prob[i * b + j];
        const gp = new Float32Array(b * d);
        const gy = new Float32Array(b * d);
        const f = (2 / b) * g;
        for (let i = 0; i < b; i++) {
          for (let k = 0; k < d; k++) {
            const q = i * d + k;
            gp[q] = f * (pyv[q] - y[q]);
            gy[q] = f * (ptxv[q] - colSum[i] * y[q] - (p[q] - y[q]));
          }
        }
        return [tf.tensor2d(gp, [b, d]), tf.tensor2d(gy, [b, d]), tf.scalar(g * scale * sumDs)];
      },
    };
  });
  return op(pred, target, s) as tf.Scalar;
}
