/**
 * The network of a run (spec §3): ResNet regressor (age), Hu et al. depth net (depth) or the
 * synthetic benchmark's Linear (linear); optional ImageNet encoder weights, a pretrained run
 * (official --pretrained) and RRT (official --retrain_fc: fresh final layer, frozen trunk, spec §1.7).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '@bmse/backend';
import {
  type BmseNet,
  createDepthNet,
  createLinearRegressor,
  createResNetRegressor,
  freezeForRrt,
  loadCheckpoint,
  loadPretrainedEncoder,
} from '@bmse/models';
import { ConfigError } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import type { TaskData } from '../data/task-data.js';

function fdsOptions(c: RunConfig) {
  if (!c.fds.enabled) return false;
  const f = c.fds;
  return {
    kernel: f.kernel,
    ks: f.ks,
    sigma: f.sigma,
    startUpdate: f.startUpdate,
    startSmooth: f.startSmooth,
    bucketNum: f.bucketNum,
    bucketStart: f.bucketStart,
    momentum: f.momentum,
  };
}

/** Builds the run's network with seeded initialisation. */
export function createNet(c: RunConfig, data: Pick<TaskData, 'family' | 'inputShape' | 'outputs'>): BmseNet {
  if (data.family === 'linear')
    return createLinearRegressor({ inputs: data.outputs, outputs: data.outputs, seed: c.seed });
  const depth = Number(c.model.arch.replace('resnet', '')) as 18 | 34 | 50;
  if (data.family === 'age')
    return createResNetRegressor({
      depth,
      inputShape: data.inputShape as [number, number, number],
      widthMultiplier: c.model.widthMultiplier,
      fds: fdsOptions(c),
      seed: c.seed,
    });
  return createDepthNet({
    encoder: c.model.arch as 'resnet18' | 'resnet34' | 'resnet50',
    inputShape: data.inputShape as [number, number, number],
    widthMultiplier: c.model.widthMultiplier,
    fds: fdsOptions(c),
    seed: c.seed,
  });
}

/** A run folder → its best (else last) checkpoint; a checkpoint folder → itself. */
export function resolveCheckpointDir(p: string): string {
  if (existsSync(path.join(p, 'model.json'))) return p;
  for (const sub of ['checkpoints/best', 'checkpoints/last'])
    if (existsSync(path.join(p, sub, 'model.json'))) return path.join(p, sub);
  throw new ConfigError(
    `${p}: neither a checkpoint folder (model.json) nor a run folder with checkpoints/best or checkpoints/last`,
  );
}

/**
 * Copies the weights of `from` into `to` by name; names matching `skip` keep their fresh values.
 * Throws when a weight exists in only one of them (other than skipped ones) or shapes differ.
 */
export function copyWeights(from: BmseNet, to: BmseNet, skip: (name: string) => boolean, what: string): number {
  const src = new Map(from.namedWeights().map((w) => [w.name, w.variable]));
  let copied = 0;
  for (const { name, variable } of to.namedWeights()) {
    if (skip(name)) continue;
    const v = src.get(name);
    if (!v) throw new ConfigError(`${what}: has no weight '${name}' (a different architecture?)`);
    if (!tf.util.arraysEqual(v.shape, variable.shape))
      throw new ConfigError(`${what}: weight '${name}' is [${v.shape}], this model needs [${variable.shape}]`);
    variable.assign(v);
    copied++;
  }
  return copied;
}

/** Applies model.encoderWeights, model.pretrained and RRT to a freshly built net; returns lines for the log. */
export async function initialiseNet(net: BmseNet, c: RunConfig): Promise<string[]> {
  const notes: string[] = [];
  if (c.model.encoderWeights) {
    const report = await loadPretrainedEncoder(net, c.model.encoderWeights);
    notes.push(`encoder weights: ${c.model.encoderWeights} (${JSON.stringify(report).slice(0, 120)})`);
  }
  if (c.model.pretrained) {
    const dir = resolveCheckpointDir(c.model.pretrained);
    const loaded = await loadCheckpoint(dir);
    // RRT (official --retrain_fc): every weight except the final layer's comes from the checkpoint
    const head = net.spec.kind === 'depth' ? /^R\./ : /^linear\b/;
    const n = copyWeights(
      loaded.model,
      net,
      (name) => c.rrt.enabled && head.test(name),
      `pretrained checkpoint ${dir}`,
    );
    loaded.model.dispose();
    notes.push(`pretrained: ${n} weights from ${dir}${c.rrt.enabled ? ' (final layer freshly initialised)' : ''}`);
  }
  if (c.rrt.enabled) {
    // frozen trunk keeps updating BN running statistics (model stays in train mode, spec §9.2)
    freezeForRrt(net);
    notes.push(`RRT: training ${net.countTrainableParameters()} of ${net.countParameters()} parameters`);
  }
  return notes;
}
