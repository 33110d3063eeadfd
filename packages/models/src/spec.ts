/**
 * The JSON description of a network (`ModelSpec`): what `createModel` builds from
 * and what checkpoints store, so `loadCheckpoint` can rebuild the same network.
 */
import type { FdsOptions } from './fds/fds.js';
import type { ResNetDepth } from './resnet-blocks.js';

export interface ResNetRegressorOptions {
  depth: ResNetDepth;
  /** [H, W, 3]; H and W may be null (global average pooling: any size works) */
  inputShape: [number | null, number | null, number];
  /** outputs of the final linear layer (default 1) */
  outputs?: number;
  /** scales every channel count (default 1; e.g. 0.125 for small CPU runs) */
  widthMultiplier?: number;
  /** FDS on the encoding (featureDim is filled in) */
  fds?: Omit<FdsOptions, 'featureDim'> | boolean;
  /** seed for the initialisers (default: random) */
  seed?: number;
}

export type DepthEncoder = 'resnet18' | 'resnet34' | 'resnet50';

export interface DepthNetOptions {
  encoder: DepthEncoder;
  /** [H, W, 3]; the paper uses [228, 304, 3] */
  inputShape: [number, number, number];
  widthMultiplier?: number;
  /** FDS on the refinement block's per-pixel features (binning 'depth'; featureDim filled in) */
  fds?: Omit<FdsOptions, 'featureDim'> | boolean;
  seed?: number;
}

/** The synthetic benchmark's `nn.Linear(d_in, d_out)` (spec §2.5). */
export interface LinearRegressorOptions {
  inputs: number;
  outputs: number;
  seed?: number;
}

export type ModelSpec =
  | ({ kind: 'resnet' } & Required<Omit<ResNetRegressorOptions, 'fds' | 'seed'>> & {
        fds: Omit<FdsOptions, 'featureDim'> | null;
        seed: number | null;
      })
  | ({ kind: 'depth' } & Required<Omit<DepthNetOptions, 'fds' | 'seed'>> & {
        fds: Omit<FdsOptions, 'featureDim'> | null;
        seed: number | null;
      })
  | { kind: 'linear'; inputs: number; outputs: number; fds: null; seed: number | null };

function fdsOf(f: Omit<FdsOptions, 'featureDim'> | boolean | undefined, binning: 'age' | 'depth') {
  if (!f) return null;
  return { binning, ...(f === true ? {} : f) };
}

export function resolveResNetSpec(o: ResNetRegressorOptions): Extract<ModelSpec, { kind: 'resnet' }> {
  if (![18, 34, 50].includes(o.depth))
    throw new Error(`createResNetRegressor: depth must be 18, 34 or 50, got ${o.depth}`);
  if (!Array.isArray(o.inputShape) || o.inputShape.length !== 3 || o.inputShape[2] !== 3) {
    throw new Error(`createResNetRegressor: inputShape must be [H, W, 3], got ${JSON.stringify(o.inputShape)}`);
  }
  const widthMultiplier = o.widthMultiplier ?? 1;
  if (!(widthMultiplier > 0)) throw new Error(`widthMultiplier must be > 0, got ${widthMultiplier}`);
  return {
    kind: 'resnet',
    depth: o.depth,
    inputShape: o.inputShape,
    outputs: o.outputs ?? 1,
    widthMultiplier,
    fds: fdsOf(o.fds, 'age'),
    seed: o.seed ?? null,
  };
}

export function resolveDepthSpec(o: DepthNetOptions): Extract<ModelSpec, { kind: 'depth' }> {
  if (!['resnet18', 'resnet34', 'resnet50'].includes(o.encoder)) {
    throw new Error(`createDepthNet: encoder must be resnet18, resnet34 or resnet50, got ${o.encoder}`);
  }
  const [h, w, c] = o.inputShape ?? [];
  if (!(Number.isInteger(h) && Number.isInteger(w) && c === 3 && h >= 32 && w >= 32)) {
    throw new Error(
      `createDepthNet: inputShape must be [H, W, 3] with H, W >= 32, got ${JSON.stringify(o.inputShape)}`,
    );
  }
  const widthMultiplier = o.widthMultiplier ?? 1;
  if (!(widthMultiplier > 0)) throw new Error(`widthMultiplier must be > 0, got ${widthMultiplier}`);
  return {
    kind: 'depth',
    encoder: o.encoder,
    inputShape: o.inputShape,
    widthMultiplier,
    fds: fdsOf(o.fds, 'depth'),
    seed: o.seed ?? null,
  };
}

export function resolveLinearSpec(o: LinearRegressorOptions): Extract<ModelSpec, { kind: 'linear' }> {
  for (const k of ['inputs', 'outputs'] as const) {
    if (!(Number.isInteger(o[k]) && o[k] > 0))
      throw new Error(`createLinearRegressor: ${k} must be an integer > 0, got ${o[k]}`);
  }
  return { kind: 'linear', inputs: o.inputs, outputs: o.outputs, fds: null, seed: o.seed ?? null };
}
