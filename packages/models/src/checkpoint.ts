/**
 * Checkpoints (architecture.md "Run directory"): a folder with
 *   model.json   tfjs LayersModel JSON (topology + weightsManifest → weights.bin),
 *                with the network's ModelSpec under userDefinedMetadata.bmse
 *   weights.bin  model weights, float32, in manifest order
 *   state.json   epoch, step, σ, RNG state, resolved config, extra; manifests of
 *                the optimizer state and FDS buffers
 *   state.bin    optimizer and FDS tensors, in state.json's manifest order
 * Written atomically (temporary folder, then rename). Loading checks every file's
 * size, names and shapes and says which file/tensor is wrong.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '@bmse/backend';
import { writeDirAtomic } from './atomic-dir.js';
import { CheckpointError } from './checkpoint-error.js';
import { createModel } from './create-model.js';
import type { FdsBufferName, FdsState } from './fds/fds.js';
import type { BmseNet } from './net.js';
import type { ModelSpec } from './spec.js';

export const CHECKPOINT_VERSION = 1;

export interface CheckpointState {
  model: BmseNet;
  epoch: number;
  step: number;
  /** its weights (e.g. Adam's iterations and moments) and config are saved */
  optimizer?: tf.Optimizer | null;
  /** the Balanced MSE noise σ (a number or the learnable scalar variable) */
  sigma?: number | tf.Tensor | null;
  /** RNG state (any JSON) */
  rng?: unknown;
  /** the resolved run config (any JSON) */
  config?: unknown;
  /** anything else JSON (best metric, …) */
  extra?: Record<string, unknown>;
}

interface TensorSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

interface StateJson {
  format: 'bmse-checkpoint';
  version: number;
  epoch: number;
  step: number;
  sigma: number | null;
  rng: unknown;
  config: unknown;
  extra: Record<string, unknown>;
  optimizer: { className: string; config: unknown; weights: TensorSpec[]; scalars: Record<string, number> } | null;
  fds: { options: FdsState['options']; epoch: number; aliased: boolean; buffers: TensorSpec[] } | null;
  bytes: { weights: number; state: number };
}

/**
 * Scalar variables an optimizer keeps besides getWeights() (Adam's accBeta1/accBeta2).
 * tfjs' setWeights recomputes them as beta^(t+1), which differs in the last bits from
 * the running product; saving them makes continued training bit-identical.
 */
async function optimizerScalars(opt: tf.Optimizer): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  // read with await: the webgpu backend cannot read GPU memory synchronously in Node
  for (const [k, v] of Object.entries(opt)) if (v instanceof tf.Variable && v.rank === 0) out[k] = (await v.data())[0];
  return out;
}

/**
 * Optimizer slots are named after tfjs variable names ('linear/kernel_3/m'), which depend on how many
 * models the process built before; checkpoints store the canonical weight name instead
 * ('linear/kernel/m') so a state saved by one process restores into another.
 */
function renameSlot(name: string, map: ReadonlyMap<string, string>): string {
  const cut = name.lastIndexOf('/');
  if (cut < 0) return name;
  const to = map.get(name.slice(0, cut));
  return to === undefined ? name : `${to}${name.slice(cut)}`;
}

function byteSize(specs: TensorSpec[]): number {
  return specs.reduce((a, s) => a + 4 * s.shape.reduce((x, y) => x * y, 1), 0);
}

async function encode(list: { name: string; tensor: tf.Tensor }[]): Promise<{ data: Uint8Array; specs: TensorSpec[] }> {
  const { data, specs } = await tf.io.encodeWeights(list);
  return {
    data: new Uint8Array(data as ArrayBuffer),
    specs: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype as 'float32' | 'int32' })),
  };
}

/** Saves the model weights and training state to `dir` (atomic). */
export async function saveCheckpoint(dir: string, state: CheckpointState): Promise<void> {
  const net = state.model;
  const weights = await encode(net.namedWeights().map((w) => ({ name: w.name, tensor: w.variable })));
  const extraTensors: { name: string; tensor: tf.Tensor }[] = [];
  let optimizer: StateJson['optimizer'] = null;
  if (state.optimizer) {
    const ow = await state.optimizer.getWeights();
    for (const [i, w] of ow.entries()) extraTensors.push({ name: `optimizer/${i}`, tensor: w.tensor });
    optimizer = {
      className: state.optimizer.getClassName(),
      config: state.optimizer.getConfig(),
      weights: [],
      scalars: await optimizerScalars(state.optimizer),
    };
    const canonical = new Map(net.namedWeights().map((w) => [w.variable.name, w.name]));
    optimizer.weights = ow.map((w) => ({
      name: renameSlot(w.name, canonical),
      shape: w.tensor.shape,
      dtype: w.tensor.dtype as 'float32',
    }));
  }
  let fds: StateJson['fds'] = null;
  const owned: tf.Tensor[] = [];
  if (net.fds) {
    const s = net.fds.state();
    fds = { options: s.options, epoch: s.epoch, aliased: s.aliased, buffers: [] };
    for (const [name, data] of Object.entries(s.buffers)) {
      const t = tf.tensor1d(data);
      owned.push(t);
      extraTensors.push({ name: `fds/${name}`, tensor: t });
    }
  }
  const extra = await encode(extraTensors);
  tf.dispose(owned);
  // getWeights() returns the optimizer's variables plus fresh tensors (the iteration count): free those
  for (const { tensor } of extraTensors) if (!(tensor instanceof tf.Variable) && !tensor.isDisposed) tensor.dispose();
  if (optimizer)
    optimizer.weights = optimizer.weights.map((w, i) => ({
      ...w,
      shape: extra.specs[i].shape,
      dtype: extra.specs[i].dtype,
    }));
  if (fds) fds.buffers = extra.specs.slice(optimizer?.weights.length ?? 0);
  let sigma: number | null = null;
  if (state.sigma instanceof tf.Tensor) sigma = (await state.sigma.data())[0];
  else if (typeof state.sigma === 'number') sigma = state.sigma;

  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: net.model.toJSON(null, false),
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.specs }],
    userDefinedMetadata: { bmse: { version: CHECKPOINT_VERSION, spec: net.spec } },
  };
  const stateJson: StateJson = {
    format: 'bmse-checkpoint',
    version: CHECKPOINT_VERSION,
    epoch: state.epoch,
    step: state.step,
    sigma,
    rng: state.rng ?? null,
    config: state.config ?? null,
    extra: state.extra ?? {},
    optimizer,
    fds,
    bytes: { weights: weights.data.byteLength, state: extra.data.byteLength },
  };
  await writeDirAtomic(dir, {
    'model.json': JSON.stringify(modelJson),
    'weights.bin': weights.data,
    'state.json': JSON.stringify(stateJson, null, 2),
    'state.bin': extra.data,
  });
}

export interface LoadCheckpointOptions {
  /** load into this model (its spec must match); default: build one from the saved spec */
  model?: BmseNet;
  /** restore this optimizer's state (same class as saved) */
  optimizer?: tf.Optimizer;
}

export interface LoadedCheckpoint {
  model: BmseNet;
  spec: ModelSpec;
  epoch: number;
  step: number;
  sigma: number | null;
  rng: unknown;
  config: unknown;
  extra: Record<string, unknown>;
  /** what optimizer was saved; `restored` says whether options.optimizer got its state */
  optimizer: { className: string; config: unknown; restored: boolean } | null;
}

async function readJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CheckpointError(
      `checkpoint: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new CheckpointError(`checkpoint: ${file} is not valid JSON (${(e as Error).message}); truncated?`);
  }
}

async function readBin(file: string, expected: number): Promise<ArrayBuffer> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new CheckpointError(
      `checkpoint: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (buf.byteLength !== expected) {
    throw new CheckpointError(
      `checkpoint: ${file} has ${buf.byteLength} bytes, the manifest describes ${expected}; truncated or mismatched`,
    );
  }
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** Reads only state.json and the model spec (cheap; no tensors). */
export async function readCheckpointInfo(dir: string): Promise<{ spec: ModelSpec; state: Omit<StateJson, 'bytes'> }> {
  const modelJson = await readJson<{ userDefinedMetadata?: { bmse?: { spec?: ModelSpec } } }>(
    path.join(dir, 'model.json'),
  );
  const spec = modelJson.userDefinedMetadata?.bmse?.spec;
  if (!spec)
    throw new CheckpointError(
      `checkpoint: ${path.join(dir, 'model.json')} has no userDefinedMetadata.bmse.spec (not written by saveCheckpoint?)`,
    );
  const state = await readJson<StateJson>(path.join(dir, 'state.json'));
  if (state.format !== 'bmse-checkpoint')
    throw new CheckpointError(`checkpoint: ${path.join(dir, 'state.json')} is not a bmse checkpoint state`);
  return { spec, state };
}

interface RawCheckpoint {
  spec: ModelSpec;
  state: StateJson;
  manifest: TensorSpec[];
  stateSpecs: TensorSpec[];
  weightBuf: ArrayBuffer;
  stateBuf: ArrayBuffer;
  weightsFile: string;
}

/** Every file of a checkpoint, parsed and size-checked, before any tensor is made. */
async function readRaw(dir: string): Promise<RawCheckpoint> {
  const modelFile = path.join(dir, 'model.json');
  const { spec, state } = await readCheckpointInfo(dir);
  const full = state as StateJson;
  const manifest = (await readJson<{ weightsManifest: { weights: TensorSpec[] }[] }>(modelFile)).weightsManifest?.[0]
    ?.weights;
  if (!manifest) throw new CheckpointError(`checkpoint: ${modelFile} has no weightsManifest`);
  const weightsFile = path.join(dir, 'weights.bin');
  const weightBuf = await readBin(weightsFile, byteSize(manifest));
  const stateSpecs = [...(full.optimizer?.weights ?? []), ...(full.fds?.buffers ?? [])];
  const stateBuf = await readBin(path.join(dir, 'state.bin'), byteSize(stateSpecs));
  return { spec, state: full, manifest, stateSpecs, weightBuf, stateBuf, weightsFile };
}

/**
 * Checks that a checkpoint can be loaded, without creating tensors: model.json and state.json parse, and
 * weights.bin and state.bin have the sizes their manifests describe. Throws a CheckpointError naming the file.
 */
export async function verifyCheckpoint(dir: string): Promise<void> {
  await readRaw(dir);
}

function sameSpec(a: ModelSpec, b: ModelSpec): string[] {
  const diffs: string[] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'seed') continue;
    const x = JSON.stringify((a as unknown as Record<string, unknown>)[k]);
    const y = JSON.stringify((b as unknown as Record<string, unknown>)[k]);
    if (x !== y) diffs.push(`${k}: checkpoint ${x}, model ${y}`);
  }
  return diffs;
}

/** Loads a checkpoint written by saveCheckpoint (see LoadCheckpointOptions). */
export async function loadCheckpoint(dir: string, opts: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const { spec, state: full, manifest, stateSpecs, weightBuf, stateBuf, weightsFile } = await readRaw(dir);

  if (opts.model) {
    const diffs = sameSpec(spec, opts.model.spec);
    if (diffs.length)
      throw new CheckpointError(`checkpoint ${dir} was saved from a different network: ${diffs.join('; ')}`);
  }
  const net = opts.model ?? createModel(spec);
  const values = tf.io.decodeWeights(weightBuf, manifest);
  try {
    const ours = net.namedWeights();
    const have = new Set(Object.keys(values));
    const missing = ours.filter((w) => !have.has(w.name)).map((w) => w.name);
    const known = new Set(ours.map((w) => w.name));
    const unexpected = [...have].filter((n) => !known.has(n));
    const misShaped = ours
      .filter((w) => have.has(w.name) && !tf.util.arraysEqual(values[w.name].shape, w.variable.shape))
      .map((w) => `${w.name}: file [${values[w.name].shape}], model [${w.variable.shape}]`);
    if (missing.length || unexpected.length || misShaped.length) {
      throw new CheckpointError(
        `checkpoint ${weightsFile} does not match the model: missing [${missing.slice(0, 10).join(', ')}] ` +
          `unexpected [${unexpected.slice(0, 10).join(', ')}] mis-shaped [${misShaped.slice(0, 10).join(', ')}]`,
      );
    }
    for (const w of ours) w.variable.assign(values[w.name]);
  } finally {
    tf.dispose(Object.values(values));
  }

  const extra = tf.io.decodeWeights(
    stateBuf,
    stateSpecs.map((s, i) => ({ ...s, name: `#${i}` })),
  );
  try {
    if (full.fds && net.fds) {
      const buffers = {} as Record<FdsBufferName, Float32Array>;
      const offset = full.optimizer?.weights.length ?? 0;
      for (const [i, s] of full.fds.buffers.entries())
        buffers[s.name.replace(/^fds\//, '') as FdsBufferName] = (await extra[`#${offset + i}`].data()) as Float32Array;
      net.fds.loadState({ options: full.fds.options, epoch: full.fds.epoch, aliased: full.fds.aliased, buffers });
    }
    let restored = false;
    if (opts.optimizer && full.optimizer) {
      if (opts.optimizer.getClassName() !== full.optimizer.className) {
        throw new CheckpointError(
          `checkpoint ${dir}: optimizer is ${full.optimizer.className}, cannot restore into ${opts.optimizer.getClassName()}`,
        );
      }
      const current = new Map(net.namedWeights().map((w) => [w.name, w.variable.name]));
      const named = full.optimizer.weights.map((s, i) => ({
        name: renameSlot(s.name, current),
        tensor: extra[`#${i}`],
      }));
      await opts.optimizer.setWeights(named);
      const target = opts.optimizer as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(full.optimizer.scalars ?? {})) {
        const variable = target[k];
        if (variable instanceof tf.Variable) tf.tidy(() => variable.assign(tf.scalar(v)));
      }
      restored = true;
    }
    return {
      model: net,
      spec,
      epoch: full.epoch,
      step: full.step,
      sigma: full.sigma,
      rng: full.rng,
      config: full.config,
      extra: full.extra,
      optimizer: full.optimizer
        ? { className: full.optimizer.className, config: full.optimizer.config, restored }
        : null,
    };
  } finally {
    tf.dispose(Object.values(extra));
  }
}
