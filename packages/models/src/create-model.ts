/** Builds a network from its ModelSpec (what checkpoints store). */
import { buildDepthNet } from './depth-net.js';
import { buildLinearRegressor } from './linear.js';
import type { BmseNet } from './net.js';
import { buildResNetRegressor } from './resnet.js';
import type { ModelSpec } from './spec.js';

export function createModel(spec: ModelSpec): BmseNet {
  if (spec.kind === 'resnet') return buildResNetRegressor(spec);
  if (spec.kind === 'depth') return buildDepthNet(spec);
  if (spec.kind === 'linear') return buildLinearRegressor(spec);
  throw new Error(`createModel: unknown model kind '${(spec as { kind?: string }).kind}'`);
}
