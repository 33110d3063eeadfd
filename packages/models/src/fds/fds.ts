/**
 * Feature Distribution Smoothing (spec §1.7; official `imdb-wiki-dir/fds.py`,
 * `nyud2-dir/models/fds.py`). Per-bin running mean/variance of the features,
 * their last-epoch copies, the last-epoch statistics smoothed along the bin axis,
 * and the calibration z' = (z − μ_b)·sqrt(clamp(ṽ_b / v_b, lo, hi)) + μ̃_b applied
 * in training from epoch `startSmooth`. Buffers are plain Float32Arrays (saved in
 * checkpoints through `state()` / `loadState()`).
 *
 * End of each epoch ≥ startUpdate (official order):
 *   fds.updateLastEpochStats(epoch);
 *   fds.updateRunningStats(features, labels, epoch)   // or beginEpoch/accumulate/commitRunningStats
 */
import { tf } from '@bmse/backend';
import { type FdsKernel, fdsKernelWindow, smoothAlongBins } from './kernel.js';

/**
 * 'age' (IMDB-WIKI/AgeDB): bin = floor(label); labels above bucketNum−1 or below
 * bucketStart are skipped, except that when a label equal to bucketStart (bucketNum−1)
 * is present, everything ≤ bucketStart (≥ bucketNum−1) is pooled into it.
 * 'depth' (NYUD2): bin = clamp(floor(10·d), bucketStart, bucketNum−1) per pixel.
 */
export type FdsBinning = 'age' | 'depth';

export interface FdsOptions {
  featureDim: number;
  binning?: FdsBinning;
  /** default 100 */
  bucketNum?: number;
  /** default 0 (age; AgeDB uses 3) or 7 (depth) */
  bucketStart?: number;
  startUpdate?: number;
  startSmooth?: number;
  kernel?: FdsKernel;
  ks?: number;
  /** default 1 (age, `--fds_sigma` default) or 2 (depth) */
  sigma?: number;
  /** EMA momentum (default 0.9); null = cumulative average (1 − n/tracked) */
  momentum?: number | null;
  /** calibration clamp; default [0.1, 10] (age, `calibrate_mean_var`) or [0.2, 5] (depth) */
  clip?: [number, number];
  /**
   * Reproduce the IMDB code's aliasing quirk (spec §1.7 (b)): after the first
   * last-epoch copy, the "last epoch" mean/var used for calibration are the running
   * buffers themselves. Default false (the NYUD2 behaviour).
   */
  aliasLastEpoch?: boolean;
}

export type ResolvedFdsOptions = Required<Omit<FdsOptions, 'momentum'>> & { momentum: number | null };

export function resolveFdsOptions(o: FdsOptions): ResolvedFdsOptions {
  const binning = o.binning ?? 'age';
  const depth = binning === 'depth';
  const r: ResolvedFdsOptions = {
    featureDim: o.featureDim,
    binning,
    bucketNum: o.bucketNum ?? 100,
    bucketStart: o.bucketStart ?? (depth ? 7 : 0),
    startUpdate: o.startUpdate ?? 0,
    startSmooth: o.startSmooth ?? 1,
    kernel: o.kernel ?? 'gaussian',
    ks: o.ks ?? 5,
    sigma: o.sigma ?? (depth ? 2 : 1),
    momentum: o.momentum === undefined ? 0.9 : o.momentum,
    clip: o.clip ?? (depth ? [0.2, 5] : [0.1, 10]),
    aliasLastEpoch: o.aliasLastEpoch ?? false,
  };
  if (!(Number.isInteger(r.featureDim) && r.featureDim > 0))
    throw new Error(`FDS: featureDim must be a positive integer, got ${r.featureDim}`);
  if (!(r.bucketNum > r.bucketStart && r.bucketStart >= 0)) {
    throw new Error(
      `FDS: need 0 <= bucketStart < bucketNum, got bucketStart ${r.bucketStart}, bucketNum ${r.bucketNum}`,
    );
  }
  if (binning !== 'age' && binning !== 'depth')
    throw new Error(`FDS: unknown binning '${String(binning)}'; allowed: age, depth`);
  return r;
}

/** Per-bin Welford/Chan aggregate in float64. */
interface Agg {
  n: number;
  mean: Float64Array;
  m2: Float64Array;
}

const bufferNames = [
  'running_mean',
  'running_var',
  'running_mean_last_epoch',
  'running_var_last_epoch',
  'smoothed_mean_last_epoch',
  'smoothed_var_last_epoch',
] as const;
export type FdsBufferName = (typeof bufferNames)[number] | 'num_samples_tracked';

export interface FdsState {
  options: ResolvedFdsOptions;
  epoch: number;
  aliased: boolean;
  buffers: Record<FdsBufferName, Float32Array>;
}

export class FDS {
  readonly options: ResolvedFdsOptions;
  /** number of bins with their own statistics: bucketNum − bucketStart */
  readonly numBins: number;
  readonly window: Float32Array;
  /** the official `epoch` buffer, initialised to startUpdate */
  epoch: number;
  private aliased = false;
  private buf: Record<FdsBufferName, Float32Array>;
  private acc = new Map<number, Agg>();
  private tables: [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] | null = null;

  constructor(options: FdsOptions) {
    this.options = resolveFdsOptions(options);
    this.numBins = this.options.bucketNum - this.options.bucketStart;
    this.window = fdsKernelWindow(this.options.kernel, this.options.ks, this.options.sigma);
    this.epoch = this.options.startUpdate;
    const size = this.numBins * this.options.featureDim;
    const zeros = () => new Float32Array(size);
    const ones = () => new Float32Array(size).fill(1);
    this.buf = {
      running_mean: zeros(),
      running_var: ones(),
      running_mean_last_epoch: zeros(),
      running_var_last_epoch: ones(),
      smoothed_mean_last_epoch: zeros(),
      smoothed_var_last_epoch: ones(),
      num_samples_tracked: new Float32Array(this.numBins),
    };
  }

  /** A copy of one buffer ([numBins, featureDim] row-major, or [numBins] for num_samples_tracked). */
  buffer(name: FdsBufferName): Float32Array {
    return this.buf[name].slice();
  }

  /** Integer bin of a label (before the bucketStart/bucketNum handling of `slotsOf`). */
  binOf(label: number): number {
    if (this.options.binning === 'depth') {
      const b = Math.floor(Math.fround(Math.fround(label) * 10));
      return Math.min(Math.max(b, this.options.bucketStart), this.options.bucketNum - 1);
    }
    return Math.floor(label);
  }

  /** Buffer row of each raw bin given which raw bins are present (−1 = not calibrated / not counted). */
  private slotOf(bin: number, present: (b: number) => boolean): number {
    const { bucketStart: lo, bucketNum } = this.options;
    const hi = bucketNum - 1;
    if (bin > hi) return present(hi) ? hi - lo : -1;
    if (bin < lo) return present(lo) ? 0 : -1;
    return bin - lo;
  }

  /** Buffer rows of each label (official per-label loop with its pooling at both ends). */
  slotsOf(labels: ArrayLike<number>): Int32Array {
    const bins = Int32Array.from(labels as ArrayLike<number>, (l) => this.binOf(l));
    const present = new Set(bins);
    return bins.map((b) => this.slotOf(b, (x) => present.has(x)));
  }

  private invalidate(): void {
    if (this.tables) tf.dispose(this.tables);
    this.tables = null;
  }

  /** [m1, scale, m2] per buffer row plus an identity row at index numBins (calibrate_mean_var, spec §1.7). */
  private calibrationTables(): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
    if (this.tables) return this.tables;
    const d = this.options.featureDim;
    const [lo, hi] = this.options.clip;
    const n = this.numBins;
    const m1src = this.aliased ? this.buf.running_mean : this.buf.running_mean_last_epoch;
    const v1src = this.aliased ? this.buf.running_var : this.buf.running_var_last_epoch;
    const m2src = this.buf.smoothed_mean_last_epoch;
    const v2src = this.buf.smoothed_var_last_epoch;
    const m1 = new Float32Array((n + 1) * d);
    const scale = new Float32Array((n + 1) * d).fill(1);
    const m2 = new Float32Array((n + 1) * d);
    for (let r = 0; r < n; r++) {
      const off = r * d;
      let sum = 0;
      for (let c = 0; c < d; c++) sum += v1src[off + c];
      if (sum < 1e-10) continue; // statistics not available: features unchanged
      for (let c = 0; c < d; c++) {
        const v1 = v1src[off + c];
        if (v1 === 0) continue; // dimension left untouched
        const f = Math.min(Math.max(Math.fround(v2src[off + c] / v1), lo), hi);
        m1[off + c] = m1src[off + c];
        scale[off + c] = Math.fround(Math.sqrt(f));
        m2[off + c] = m2src[off + c];
      }
    }
    const tables: [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] = [
      tf.keep(tf.tensor2d(m1, [n + 1, d])),
      tf.keep(tf.tensor2d(scale, [n + 1, d])),
      tf.keep(tf.tensor2d(m2, [n + 1, d])),
    ];
    this.tables = tables;
    return this.tables;
  }

  /**
   * Calibrates `features` ([..., featureDim]) of samples/pixels with `labels` (same
   * leading shape, optionally with a trailing 1) when epoch ≥ startSmooth; otherwise
   * returns `features` itself. Differentiable with respect to the features.
   */
  smooth(features: tf.Tensor, labels: tf.Tensor | ArrayLike<number>, epoch: number): tf.Tensor {
    if (epoch < this.options.startSmooth) return features;
    const d = this.options.featureDim;
    if (features.shape[features.rank - 1] !== d) {
      throw new Error(`FDS.smooth: features must end in ${d} dimensions, got shape [${features.shape}]`);
    }
    const count = features.size / d;
    const values = labels instanceof tf.Tensor ? labels.dataSync() : labels;
    if (values.length !== count) {
      throw new Error(
        `FDS.smooth: ${values.length} labels for ${count} feature vectors (features [${features.shape}])`,
      );
    }
    const slots = this.slotsOf(values).map((s) => (s < 0 ? this.numBins : s));
    const [m1, scale, m2] = this.calibrationTables();
    return tf.tidy(() => {
      const idx = tf.tensor1d(slots, 'int32');
      const z = tf.reshape(features, [count, d]);
      const out = tf.add(tf.mul(tf.sub(z, tf.gather(m1, idx)), tf.gather(scale, idx)), tf.gather(m2, idx));
      return tf.reshape(out, features.shape);
    });
  }

  /** `update_last_epoch_stats`: only when epoch == this.epoch + 1 — copy running → last epoch, smooth along bins. */
  updateLastEpochStats(epoch: number): void {
    if (epoch !== this.epoch + 1) return;
    this.epoch += 1;
    this.buf.running_mean_last_epoch = this.buf.running_mean.slice();
    this.buf.running_var_last_epoch = this.buf.running_var.slice();
    if (this.options.aliasLastEpoch) this.aliased = true;
    const d = this.options.featureDim;
    this.buf.smoothed_mean_last_epoch = smoothAlongBins(this.buf.running_mean_last_epoch, this.numBins, d, this.window);
    this.buf.smoothed_var_last_epoch = smoothAlongBins(this.buf.running_var_last_epoch, this.numBins, d, this.window);
    this.invalidate();
  }

  /** Starts collecting this epoch's feature statistics (drops anything accumulated). */
  beginEpoch(): void {
    this.acc.clear();
  }

  /** Adds features ([..., featureDim]) with their labels to this epoch's statistics (float64 Welford per raw bin). */
  accumulate(features: tf.Tensor | Float32Array, labels: tf.Tensor | ArrayLike<number>): void {
    const d = this.options.featureDim;
    if (features instanceof tf.Tensor && features.shape[features.rank - 1] !== d) {
      throw new Error(`FDS.accumulate: features must end in ${d} dimensions, got shape [${features.shape}]`);
    }
    const x = features instanceof tf.Tensor ? (features.dataSync() as Float32Array) : features;
    const y = labels instanceof tf.Tensor ? labels.dataSync() : labels;
    if (x.length !== y.length * d) {
      throw new Error(`FDS.accumulate: ${y.length} labels for ${x.length / d} feature vectors of dimension ${d}`);
    }
    for (let i = 0; i < y.length; i++) {
      const bin = this.binOf(y[i]);
      let a = this.acc.get(bin);
      if (!a) {
        a = { n: 0, mean: new Float64Array(d), m2: new Float64Array(d) };
        this.acc.set(bin, a);
      }
      a.n += 1;
      const off = i * d;
      for (let c = 0; c < d; c++) {
        const v = x[off + c];
        const delta = v - a.mean[c];
        a.mean[c] += delta / a.n;
        a.m2[c] += delta * (v - a.mean[c]);
      }
    }
  }

  /** `update_running_stats` over everything accumulated since `beginEpoch` (no-op when epoch < this.epoch). */
  commitRunningStats(epoch: number): void {
    const { startUpdate, momentum, featureDim: d } = this.options;
    if (epoch < this.epoch) return;
    if (epoch < startUpdate) throw new Error(`FDS: update at epoch ${epoch} before startUpdate ${startUpdate}`);
    const pooled = new Map<number, Agg>();
    const present = (b: number) => this.acc.has(b);
    for (const [bin, a] of this.acc) {
      const slot = this.slotOf(bin, present);
      if (slot < 0) continue;
      const p = pooled.get(slot);
      if (!p) {
        pooled.set(slot, { n: a.n, mean: a.mean.slice(), m2: a.m2.slice() });
        continue;
      }
      const n = p.n + a.n;
      for (let c = 0; c < d; c++) {
        const delta = a.mean[c] - p.mean[c];
        p.mean[c] += (delta * a.n) / n;
        p.m2[c] += a.m2[c] + (delta * delta * p.n * a.n) / n;
      }
      p.n = n;
    }
    for (const [slot, p] of pooled) {
      this.buf.num_samples_tracked[slot] += p.n;
      let factor = momentum ?? 1 - p.n / this.buf.num_samples_tracked[slot];
      if (epoch === startUpdate) factor = 0;
      const off = slot * d;
      const denom = p.n > 1 ? p.n - 1 : p.n; // unbiased unless a single sample
      for (let c = 0; c < d; c++) {
        this.buf.running_mean[off + c] = (1 - factor) * p.mean[c] + factor * this.buf.running_mean[off + c];
        this.buf.running_var[off + c] = (1 - factor) * (p.m2[c] / denom) + factor * this.buf.running_var[off + c];
      }
    }
    this.acc.clear();
    this.invalidate();
  }

  /** `update_running_stats(features, labels, epoch)` in one call. */
  updateRunningStats(features: tf.Tensor | Float32Array, labels: tf.Tensor | ArrayLike<number>, epoch: number): void {
    if (epoch < this.epoch) return;
    this.beginEpoch();
    this.accumulate(features, labels);
    this.commitRunningStats(epoch);
  }

  /** Everything a checkpoint needs (copies). */
  state(): FdsState {
    const buffers = {} as Record<FdsBufferName, Float32Array>;
    for (const k of Object.keys(this.buf) as FdsBufferName[]) buffers[k] = this.buf[k].slice();
    return { options: { ...this.options }, epoch: this.epoch, aliased: this.aliased, buffers };
  }

  /** Restores `state()`; the options must describe the same buffers. */
  loadState(s: FdsState): void {
    const d = this.options.featureDim;
    if (
      s.options.featureDim !== d ||
      s.options.bucketNum !== this.options.bucketNum ||
      s.options.bucketStart !== this.options.bucketStart
    ) {
      throw new Error(
        `FDS state mismatch: saved featureDim ${s.options.featureDim}, bins ${s.options.bucketStart}..${s.options.bucketNum}; ` +
          `this layer has featureDim ${d}, bins ${this.options.bucketStart}..${this.options.bucketNum}`,
      );
    }
    for (const k of [...bufferNames, 'num_samples_tracked'] as FdsBufferName[]) {
      const want = k === 'num_samples_tracked' ? this.numBins : this.numBins * d;
      const got = s.buffers[k];
      if (!got || got.length !== want)
        throw new Error(`FDS state: buffer '${k}' has ${got?.length ?? 'no'} values, expected ${want}`);
      this.buf[k] = Float32Array.from(got);
    }
    this.epoch = s.epoch;
    this.aliased = s.aliased;
    this.invalidate();
  }

  dispose(): void {
    this.invalidate();
  }
}
