/**
 * Label statistics against SciPy (test/fixtures/scipy-stats.json, the official functions re-run in
 * Python) and against hand-checked label sets: LDS windows, convolve1d, re-weighting, BNI buckets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  bucketInfo,
  convolve1d,
  fdsKernelWindow,
  gaussianFilter1d,
  type LdsKernel,
  ldsKernelWindow,
  NYUD2_TRAIN_BUCKET_NUM,
  nyud2BucketCenters,
  nyud2BucketInfo,
  nyud2BucketWeights,
  nyud2DepthBin,
  nyud2FilledCounts,
  nyud2GmmPseudoLabels,
  prepareWeights,
  type Reweight,
} from '../src/index.js';
import scipy from './fixtures/scipy-stats.json' with { type: 'json' };
import { expectClose } from './helpers.js';

describe('ldsKernelWindow', () => {
  it('matches the spec §1.7 reference values', () => {
    expectClose(ldsKernelWindow('gaussian', 5, 1), [0.146444, 0.606866, 1, 0.606866, 0.146444], 0, 1e-6);
    expectClose(ldsKernelWindow('gaussian', 5, 2), [0.858285, 0.945828, 1, 0.945828, 0.858285], 0, 1e-6);
    expectClose(ldsKernelWindow('gaussian', 9, 2).slice(0, 5), [0.179272, 0.335761, 0.608718, 0.882832, 1], 0, 1e-6);
    expectClose(ldsKernelWindow('gaussian', 9, 1).slice(0, 5), [0.000335, 0.011109, 0.135335, 0.606531, 1], 0, 1e-6);
    expectClose(ldsKernelWindow('triang', 5, 1), [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3], 0, 1e-12);
    expectClose(ldsKernelWindow('laplace', 5, 2), [0.367879, 0.606531, 1, 0.606531, 0.367879], 0, 1e-6);
  });

  it('matches SciPy for every kernel, ks ∈ {1, 3, 4, 5, 9, 11}, σ ∈ {0.5, 1, 2, 3}', () => {
    for (const w of scipy.windows)
      expectClose(ldsKernelWindow(w.kernel as LdsKernel, w.ks, w.sigma), w.window, 1e-12, 1e-14);
  });

  it('FDS windows are normalised by the sum (spec §1.7: gaussian ks 5, σ 2 → 0.186251, 0.205248, 0.217003)', () => {
    expectClose(fdsKernelWindow('gaussian', 5, 2).slice(0, 3), [0.186251, 0.205248, 0.217003], 0, 1e-6);
    expectClose(fdsKernelWindow('triang', 5, 1), [1 / 9, 2 / 9, 1 / 3, 2 / 9, 1 / 9], 0, 1e-12);
  });

  it('rejects bad arguments with a clear message', () => {
    expect(() => ldsKernelWindow('box' as LdsKernel, 5, 1)).toThrow(
      /kernel must be one of gaussian, triang, laplace, got 'box'/,
    );
    expect(() => ldsKernelWindow('gaussian', 0, 1)).toThrow(/ks must be an integer ≥ 1, got 0/);
    expect(() => ldsKernelWindow('laplace', 5, -1)).toThrow(/sigma must be a finite number > 0, got -1/);
  });
});

describe('SciPy filters', () => {
  it('convolve1d: constant and reflect modes, odd and even windows, integer truncation', () => {
    for (const c of scipy.convolve1d) {
      const mode = c.mode as 'constant' | 'reflect';
      expectClose(convolve1d(c.input, c.weights, mode), c.float, 1e-12, 1e-12);
      expect(convolve1d(c.input, c.weights, mode, true)).toEqual(c.int);
    }
  });

  it('gaussianFilter1d (reflect, truncate 4)', () => {
    for (const c of scipy.gaussianFilter1d) expectClose(gaussianFilter1d(c.input, c.sigma), c.output, 1e-12, 1e-14);
  });
});

describe('prepareWeights', () => {
  it('reproduces the official _prepare_weights on 550 ages (none, INV, SQINV, with and without LDS)', () => {
    for (const c of scipy.prepareWeights.cases) {
      const w = prepareWeights(scipy.prepareWeights.labels, {
        reweight: c.reweight as Reweight,
        lds: c.lds,
        ldsKernel: c.ldsKernel as LdsKernel,
        ldsKs: c.ldsKs,
        ldsSigma: c.ldsSigma,
        maxTarget: c.maxTarget,
      });
      if (c.weights === null) expect(w).toBeNull();
      else expectClose(w as number[], c.weights, 1e-6, 0); // the official code rounds 1/x to float32
    }
  });

  it('hand-checked: INV clips counts to [5, 1000], SQINV takes √count, mean weight 1', () => {
    // counts: age 1 ×1, age 2 ×4, age 3 ×9 (labels 1.9 → bin 1, 150 → bin 120)
    const labels = [1.9, ...new Array(4).fill(2), ...new Array(8).fill(3), 3.5];
    const inv = prepareWeights(labels, { reweight: 'inverse' }) as number[];
    // INV: values clip(1)=5, clip(4)=5, clip(9)=9 → raw 1/5, 1/5, 1/9
    const rawInv = [1 / 5, ...new Array(4).fill(1 / 5), ...new Array(9).fill(1 / 9)];
    const sInv = labels.length / rawInv.reduce((a, b) => a + b, 0);
    expectClose(
      inv,
      rawInv.map((v) => v * sInv),
      1e-12,
    );
    const sq = prepareWeights(labels, { reweight: 'sqrt_inv' }) as number[];
    const rawSq = [1, ...new Array(4).fill(1 / 2), ...new Array(9).fill(1 / 3)];
    const sSq = labels.length / rawSq.reduce((a, b) => a + b, 0);
    expectClose(
      sq,
      rawSq.map((v) => v * sSq),
      1e-12,
    );
    expect(sq.reduce((a, b) => a + b, 0) / sq.length).toBeCloseTo(1, 12);
    // labels ≥ maxTarget − 1 share the last bin
    const top = prepareWeights([119, 120, 150, 150], { reweight: 'sqrt_inv' }) as number[];
    expect(top[1]).toBeCloseTo(top[2], 12);
    expect(top[0]).toBeGreaterThan(top[1]);
  });

  it('INV + LDS truncates the smoothed integer values like the official code (documented flag turns it off)', () => {
    const labels = [10, 10, 11, 11, 11, 11, 11, 11, 12];
    const opts = { reweight: 'inverse' as const, lds: true, ldsKernel: 'triang' as const, ldsKs: 3 };
    // triang(3) = [0.5, 1, 0.5]; clipped counts: 5 everywhere except bin 11 (6)
    // bin 10: 0.5·5 + 5 + 0.5·6 = 10.5 → 10; bin 11: 2.5 + 6 + 2.5 = 11; bin 12: 3 + 5 + 2.5 = 10.5 → 10
    const w = prepareWeights(labels, opts) as number[];
    const raw = labels.map((y) => (y === 11 ? 1 / 11 : 1 / 10));
    const s = labels.length / raw.reduce((a, b) => a + b, 0);
    expectClose(
      w,
      raw.map((v) => v * s),
      1e-12,
    );
    const wf = prepareWeights(labels, { ...opts, integerSmoothing: false }) as number[];
    expect(wf[0]).toBeCloseTo(
      (1 / 10.5) * (labels.length / labels.reduce((a, y) => a + (y === 11 ? 1 / 11 : 1 / 10.5), 0)),
      12,
    );
  });

  it('rejects LDS without re-weighting, unknown modes and negative labels', () => {
    expect(() => prepareWeights([1, 2], { reweight: 'none', lds: true })).toThrow(/LDS needs reweight/);
    expect(() => prepareWeights([1, 2], { reweight: 'log' as Reweight })).toThrow(
      /reweight must be one of none, inverse, sqrt_inv, got 'log'/,
    );
    expect(() => prepareWeights([1, -2], { reweight: 'inverse' })).toThrow(/labels\[1\] = -2 is negative/);
    expect(() => prepareWeights([1, Number.NaN], { reweight: 'inverse' })).toThrow(
      /labels\[1\] must be a finite number/,
    );
  });
});

describe('bucketInfo (BNI buckets)', () => {
  it('reproduces the official age recipe (integer centres, LDS with truncation, zero bins dropped)', () => {
    for (const c of scipy.bucketInfo) {
      const got = bucketInfo(scipy.prepareWeights.labels, {
        maxTarget: c.maxTarget,
        lds: c.lds,
        ldsKernel: c.ldsKernel as LdsKernel,
        ldsKs: c.ldsKs,
        ldsSigma: c.ldsSigma,
      });
      expect(got.centers).toEqual(c.centers);
      expectClose(got.weights, c.weights, 1e-12, 1e-15);
    }
  });

  it('hand-checked: counts of int(label), normalised', () => {
    expect(bucketInfo([0.5, 1, 1.9, 3, 250], { maxTarget: 200 })).toEqual({
      centers: [0, 1, 3],
      weights: [0.25, 0.5, 0.25],
    });
  });

  it('reproduces the official NYUD2 recipe from the training histogram', () => {
    for (const c of scipy.nyud2BucketInfo) {
      const got = nyud2BucketInfo({
        reweight: c.reweight as Reweight,
        lds: c.lds,
        ldsKernel: 'gaussian',
        ldsKs: 5,
        ldsSigma: 2,
      });
      expect(got.centers).toEqual(c.centers);
      expectClose(got.weights, c.weights, 1e-12, 1e-16);
    }
  });
});

describe('NYUD2 constants', () => {
  it('TRAIN_BUCKET_NUM: 100 bins, bins 0–6 empty, sum = 50,688 × 228 × 304', () => {
    expect(NYUD2_TRAIN_BUCKET_NUM).toHaveLength(100);
    expect(NYUD2_TRAIN_BUCKET_NUM.slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(NYUD2_TRAIN_BUCKET_NUM.reduce((a, b) => a + b, 0)).toBe(50_688 * 228 * 304);
    expect(nyud2FilledCounts().slice(0, 8)).toEqual(new Array(8).fill(25_848_691));
    expect(nyud2BucketCenters()[0]).toBeCloseTo(0.05, 15);
    expect(nyud2BucketCenters()[99]).toBeCloseTo(9.95, 12);
  });

  const shared = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '../../../../shared/reference/data/nyud2-dir-train-bucket-counts.json',
  );
  it.skipIf(!fs.existsSync(shared))('TRAIN_BUCKET_NUM equals the shared reference data file', () => {
    expect(Array.from(NYUD2_TRAIN_BUCKET_NUM)).toEqual(JSON.parse(fs.readFileSync(shared, 'utf8')).counts);
  });

  it('depth bins, GMM pseudo-labels and per-bin weights', () => {
    expect([0.69, 0.7, 2.35, 9.99, 10, 12].map(nyud2DepthBin)).toEqual([6, 7, 23, 99, 99, 99]);
    const pseudo = nyud2GmmPseudoLabels();
    expect(pseudo).toHaveLength(3644); // Σ count // 1e6 with bins 0–6 filled
    expect(pseudo.filter((v) => v === 0.1 * 21 + 0.05)).toHaveLength(146);
    expect(nyud2BucketWeights({ reweight: 'none' })).toBeNull();
    const inv = nyud2BucketWeights({ reweight: 'inverse' }) as number[];
    const counts = nyud2FilledCounts();
    // pixel-weighted mean weight over the histogram is 1, and weights ∝ 1/count
    const total = counts.reduce((a, b) => a + b, 0);
    expect(counts.reduce((a, c, b) => a + c * inv[b], 0) / total).toBeCloseTo(1, 12);
    expect(inv[99] / inv[21]).toBeCloseTo(counts[21] / counts[99], 9);
  });
});
