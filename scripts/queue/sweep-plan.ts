/**
 * The queued form of a reproduction plan (issue #14): one entry per run with its run name, the
 * train arguments, and the stage-1 run it starts from (a planned run whose name is the basename of
 * the resolved `model.pretrained`), so the queue can order stage 2 after stage 1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '@bmse/trainer';
import YAML from 'yaml';
import type { PlannedRun } from '../reproduce/plan.js';
import { QueueError } from './connection.js';

export interface QueuedRun {
  name: string;
  part: string;
  config: string;
  seed: number;
  /** extra `--set key=value` (the sweep's, then the run's) */
  sets: string[];
  /** the stage-1 run this one starts from (model.pretrained), when it is in the plan */
  dependsOn?: string;
}

export interface PlanFileRun {
  config: string;
  seed?: number;
  part?: string;
  set?: string[];
}

/** `--plan file.yaml`: a list of { config, seed?, part?, set? } (a custom sweep, or tiny test runs). */
export function readPlanFile(file: string): (PlannedRun & { set?: string[] })[] {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new QueueError(`--plan ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(doc) || doc.some((r) => typeof r?.config !== 'string'))
    throw new QueueError(`--plan ${file}: expected a YAML list of { config, seed?, part?, set? }`);
  const dir = path.dirname(file);
  return (doc as PlanFileRun[]).map((r) => ({
    part: (r.part ?? 'custom') as PlannedRun['part'],
    config: path.isAbsolute(r.config) || r.config.startsWith('configs/') ? r.config : path.join(dir, r.config),
    seed: r.seed ?? 0,
    set: r.set ?? [],
  }));
}

/** Resolves every run's config (names, pretrained) so bad configs fail here, before anything is enqueued. */
export function queuedPlan(plan: readonly (PlannedRun & { set?: string[] })[], sets: readonly string[]): QueuedRun[] {
  const resolved = plan.map((r) => {
    const runSets = [...sets, ...(r.set ?? [])];
    let c: ReturnType<typeof loadConfig>;
    try {
      c = loadConfig(r.config, [...runSets, `seed=${r.seed}`]);
    } catch (e) {
      throw new QueueError(`${r.config} (seed ${r.seed}): ${(e as Error).message.split('\n')[0]}`);
    }
    return { run: r, sets: runSets, name: c.name, pretrained: c.model.pretrained };
  });
  const names = new Set<string>();
  for (const r of resolved) {
    if (names.has(r.name)) throw new QueueError(`two planned runs are both named ${r.name}`);
    names.add(r.name);
  }
  return resolved.map((r) => {
    const dep = r.pretrained ? path.basename(r.pretrained.replace(/\/checkpoints\/\w+\/?$/, '')) : '';
    return {
      name: r.name,
      part: r.run.part,
      config: r.run.config,
      seed: r.run.seed,
      sets: r.sets,
      ...(dep && names.has(dep) && dep !== r.name ? { dependsOn: dep } : {}),
    };
  });
}
