/** The PyTorch-style layers: padding inside the conv and max-pool ops, the fused residual sum + ReLU. */
import { tf } from '@bmse/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { AddRelu, TorchConv2d, TorchMaxPool2d, torchPadding } from '../src/index.js';
import { setupWasm } from './helpers.js';

beforeAll(setupWasm);
// the backend the suite runs on (BMSE_BACKEND=tensorflow: tfjs-node, which pads before its convs), and cpu
const main = process.env.BMSE_BACKEND === 'tensorflow' ? 'tensorflow' : 'wasm';

const seeded = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
const explicit = (p: number) => [
  [0, 0],
  [p, p],
  [p, p],
  [0, 0],
];

describe('torchPadding', () => {
  it("uses 'valid' for none, 'same' where tfjs pads alike, else explicit symmetric padding", () => {
    expect(torchPadding([64, 64], 3, 2, 0)).toBe('valid');
    expect(torchPadding([32, 32], 3, 1, 1)).toBe('same');
    expect(torchPadding([57, 57], 3, 2, 1)).toBe('same'); // odd size: tfjs pads 1/1 as well
    expect(torchPadding([64, 64], 3, 2, 1)).toEqual(explicit(1)); // tfjs 'same' would pad 0/1
    expect(torchPadding([64, 57], 7, 2, 3)).toEqual(explicit(3));
  });
});

describe.each([main, 'cpu'])('on %s', (backend) => {
  it('TorchConv2d equals a zero-padded valid convolution, with PyTorch output sizes (bias included)', async () => {
    await tf.setBackend(backend);
    for (const [size, kernel, stride, pad, bias] of [
      [64, 3, 2, 1, false],
      [15, 7, 2, 3, true],
      [9, 5, 1, 2, true],
    ] as const) {
      const layer = new TorchConv2d({
        name: `conv_${size}_${kernel}`,
        filters: 6,
        kernelSize: kernel,
        strides: stride,
        pad,
        useBias: bias,
        kernelInitializer: tf.initializers.randomNormal({ seed: 3 }),
        biasInitializer: tf.initializers.randomNormal({ seed: 4 }),
      });
      const x = seeded([2, size, size, 4], 1);
      const y = layer.apply(x) as tf.Tensor;
      const [w, b] = layer.getWeights();
      let want = tf.conv2d(
        tf.pad(x, explicit(pad) as [number, number][]) as tf.Tensor4D,
        w as tf.Tensor4D,
        stride,
        'valid',
      );
      if (b) want = tf.add(want, b);
      const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
      expect(y.shape).toEqual([2, out, out, 6]);
      expect(layer.computeOutputShape([null, size, size, 4])).toEqual([null, out, out, 6]);
      expect(tf.max(tf.abs(tf.sub(y, want))).dataSync()[0]).toBeLessThan(1e-5);
      expect(layer.getConfig()).toMatchObject({ filters: 6, kernelSize: kernel, strides: stride, pad, useBias: bias });
    }
  });

  it('TorchMaxPool2d never lets padding win (PyTorch −inf padding), also on negative inputs', async () => {
    await tf.setBackend(backend);
    const x = tf.sub(seeded([2, 8, 8, 3], 5), 2); // all negative: zero padding would win at the borders
    const y = new TorchMaxPool2d({ name: 'pool', poolSize: 3, strides: 2, pad: 1 }).apply(x) as tf.Tensor;
    const padded = tf.pad(x, explicit(1) as [number, number][], -1e30) as tf.Tensor4D;
    const want = tf.maxPool(padded, 3, 2, 'valid');
    expect(y.shape).toEqual([2, 4, 4, 3]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
  });
});

describe('AddRelu', () => {
  it('is relu(a + b) and rejects inputs of different shapes', async () => {
    await tf.setBackend(main);
    const a = tf.input({ shape: [4, 4, 3] });
    const b = tf.input({ shape: [4, 4, 3] });
    const model = tf.model({
      inputs: [a, b],
      outputs: new AddRelu({ name: 'add' }).apply([a, b]) as tf.SymbolicTensor,
    });
    const [xa, xb] = [seeded([2, 4, 4, 3], 6), seeded([2, 4, 4, 3], 7)];
    const y = model.predict([xa, xb]) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual(Array.from(tf.relu(tf.add(xa, xb)).dataSync()));
    const c = tf.input({ shape: [4, 4, 5] });
    expect(() => new AddRelu({ name: 'bad' }).apply([a, c])).toThrow(
      /the inputs' shapes differ: \[,4,4,3\] and \[,4,4,5\]/,
    );
  });
});
