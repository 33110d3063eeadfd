/**
 * Mean's gradient (dy / n broadcast to x's shape) against tfjs-core's formula
 * div(mul(dy, ones(x.shape)), n): the same values bit for bit, on wasm and cpu.
 */
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanGradConfig } from '../src/mean-grad.js';
import { on, seeded, setupWasm } from './helpers.js';

beforeAll(setupWasm);

const shape = [3, 5, 4, 6];

describe('the Mean gradient', () => {
  it.each([
    [[1, 2], false],
    [[1, 2], true],
    [[-1], false],
    [[0, 1, 2, 3], false],
  ] as const)('over axes %j (keepDims %s) is tfjs-core’s, bit for bit', async (axes, keepDims) => {
    for (const backend of ['wasm', 'cpu'] as const) {
      const [got, want] = await on(backend, () => {
        const x = tf.tensor(seeded(360, 1), shape);
        const outShape = tf.mean(x, [...axes], keepDims).shape;
        const w = tf.tensor(seeded(tf.util.sizeFromShape(outShape), 2), outShape); // d loss / d mean
        const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.mean(xx, [...axes], keepDims), w)))(x);
        // tfjs-core's formula, written out
        const kept = shape.map((d, i) => (axes.some((a) => (a + 4) % 4 === i) ? 1 : d));
        const n = shape.reduce((p, d, i) => (kept[i] === 1 ? p * d : p), 1);
        return [dx, tf.div(tf.mul(tf.reshape(w, kept), tf.ones(shape)), n)];
      });
      expect(got.length).toBe(360);
      expect(Buffer.compare(Buffer.from(got.buffer), Buffer.from(want.buffer)), backend).toBe(0);
      expect(Math.max(...got.map(Math.abs))).toBeGreaterThan(0);
    }
  });

  it('is the one initBackend registers, and leaves no tensors behind', async () => {
    expect(tf.getGradient(tf.Mean)).toBe(meanGradConfig);
    const x = tf.tensor(seeded(360, 1), shape);
    const before = tf.memory().numTensors;
    tf.grad((xx: tf.Tensor) => tf.sum(tf.mean(xx, [1, 2])))(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
