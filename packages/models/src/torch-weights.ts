/**
 * PyTorch state dicts ↔ our weights. PyTorch names are our layer names plus
 * '.weight'/'.bias' (conv, linear; BN γ/β) or '.running_mean'/'.running_var' (BN);
 * conv kernels are transposed OIHW → HWIO, linear weights [out, in] → [in, out].
 * `loadPretrainedEncoder` loads torchvision's ImageNet ResNet (converted to
 * .safetensors, see README) into a regressor's trunk or the depth net's encoder E.
 */
import { tf } from '@bmse/backend';
import { BatchNorm2d } from './layers/batch-norm.js';
import type { BmseNet } from './net.js';
import { type RawTensor, readSafetensors } from './safetensors.js';

const bnSuffix: Record<string, string> = {
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};
const paramSuffix: Record<string, string> = { kernel: 'weight', bias: 'bias' };

/** Row-major transpose in plain JS (`out.shape[i] = shape[perm[i]]`); tfjs-wasm's generic transpose is slow for 4-D perms. */
export function permute(data: ArrayLike<number>, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = acc;
    acc *= shape[i];
  }
  const strides = perm.map((p) => inStrides[p]); // input stride of each output axis
  const out = new Float32Array(acc);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < acc; o++) {
    out[o] = data[src];
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      src += strides[a];
      if (idx[a] < outShape[a]) break;
      src -= strides[a] * outShape[a];
      idx[a] = 0;
    }
  }
  return out;
}

interface Target {
  torchName: string;
  torchShape: number[];
  ourName: string;
  variable: tf.Variable;
  /** permutation from the torch layout to ours, or null */
  perm: number[] | null;
}

function targets(net: BmseNet): Target[] {
  const out: Target[] = [];
  for (const layer of net.model.layers) {
    for (const w of layer.weights) {
      const short = w.originalName.slice(layer.name.length + 1);
      const suffix = layer instanceof BatchNorm2d ? bnSuffix[short] : paramSuffix[short];
      if (!suffix) throw new Error(`no PyTorch name for weight '${w.originalName}'`);
      const shape = w.shape as number[];
      let perm: number[] | null = null;
      let torchShape = shape;
      if (short === 'kernel' && shape.length === 4) {
        torchShape = [shape[3], shape[2], shape[0], shape[1]];
        perm = [2, 3, 1, 0];
      } else if (short === 'kernel' && shape.length === 2) {
        torchShape = [shape[1], shape[0]];
        perm = [1, 0];
      }
      out.push({
        torchName: `${layer.name}.${suffix}`,
        torchShape,
        ourName: w.originalName,
        variable: w.read() as tf.Variable,
        perm,
      });
    }
  }
  return out;
}

/** Our weights as a PyTorch state dict (PyTorch names, layouts and shapes). */
export function toTorchStateDict(net: BmseNet): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of targets(net)) {
    const ours = t.variable.dataSync() as Float32Array;
    const inv = t.perm ? t.perm.map((_, i) => t.perm!.indexOf(i)) : null;
    const data = inv ? permute(ours, t.variable.shape, inv) : Float32Array.from(ours);
    out.set(t.torchName, { shape: t.torchShape, data });
  }
  return out;
}

export interface TorchLoadOptions {
  /** removed from the start of every PyTorch name when present (default 'module.', DataParallel) */
  stripPrefix?: string;
  /** put before every (stripped) PyTorch name to get ours, e.g. 'E.' for the depth encoder */
  targetPrefix?: string;
  /** PyTorch names to skip (default: BN num_batches_tracked) */
  ignore?: RegExp[];
  /** our PyTorch-style names that may stay unloaded (default: none) */
  allowMissing?: RegExp[];
  /** `what` names the source in errors (e.g. the file) */
  what?: string;
}

export interface TorchLoadReport {
  loaded: string[];
  ignored: string[];
  /** ours, not in the file, allowed by allowMissing */
  missing: string[];
}

/** Loads PyTorch-named tensors; throws one error listing every missing, unexpected and mis-shaped tensor. */
export function loadTorchStateDict(
  net: BmseNet,
  tensors: Map<string, RawTensor>,
  opts: TorchLoadOptions = {},
): TorchLoadReport {
  const strip = opts.stripPrefix ?? 'module.';
  const prefix = opts.targetPrefix ?? '';
  const ignore = opts.ignore ?? [/(^|\.)num_batches_tracked$/];
  const allowMissing = opts.allowMissing ?? [];
  const what = opts.what ?? 'state dict';
  const byName = new Map(targets(net).map((t) => [t.torchName, t]));
  const unexpected: string[] = [];
  const misShaped: string[] = [];
  const ignored: string[] = [];
  const plan: [Target, RawTensor][] = [];
  for (const [rawName, tensor] of tensors) {
    const name = strip && rawName.startsWith(strip) ? rawName.slice(strip.length) : rawName;
    if (ignore.some((r) => r.test(name))) {
      ignored.push(rawName);
      continue;
    }
    const t = byName.get(prefix + name);
    if (!t) {
      unexpected.push(rawName);
      continue;
    }
    if (t.torchShape.length !== tensor.shape.length || t.torchShape.some((d, i) => d !== tensor.shape[i])) {
      misShaped.push(`${rawName}: file [${tensor.shape}], model expects [${t.torchShape}] (${t.ourName})`);
      continue;
    }
    plan.push([t, tensor]);
  }
  const provided = new Set(plan.map(([t]) => t.torchName));
  const absent = [...byName.keys()].filter(
    (n) => !provided.has(n) && !misShaped.some((m) => m.includes(`(${byName.get(n)!.ourName})`)),
  );
  const missing = absent.filter((n) => !allowMissing.some((r) => r.test(n)));
  if (missing.length || unexpected.length || misShaped.length) {
    const list = (label: string, xs: string[]) =>
      xs.length ? `\n  ${label} (${xs.length}): ${xs.slice(0, 20).join(', ')}${xs.length > 20 ? ', …' : ''}` : '';
    throw new Error(
      `${what} does not match the model:` +
        list('missing', missing) +
        list('unexpected', unexpected) +
        list('mis-shaped', misShaped),
    );
  }
  for (const [t, tensor] of plan) {
    const data = t.perm ? permute(tensor.data, tensor.shape, t.perm) : Float32Array.from(tensor.data);
    tf.tidy(() => t.variable.assign(tf.tensor(data, t.variable.shape, 'float32')));
  }
  return { loaded: plan.map(([t]) => t.torchName), ignored, missing: absent };
}

/**
 * Loads torchvision ImageNet ResNet weights from a .safetensors file into the
 * encoder: the depth net's E ('E.' names) or a regressor's trunk (its 'linear'
 * stays freshly initialised). torchvision's 'fc.*' is ignored. The encoder must be
 * full width and of the file's depth.
 */
export async function loadPretrainedEncoder(net: BmseNet, file: string): Promise<TorchLoadReport> {
  const tensors = await readSafetensors(file);
  const depth = net.spec.kind === 'depth';
  return loadTorchStateDict(net, tensors, {
    targetPrefix: depth ? 'E.' : '',
    ignore: [/(^|\.)num_batches_tracked$/, /^fc\./],
    allowMissing: depth ? [/^(D|MFF|R)\./] : [/^linear\./],
    what: file,
  });
}
