/**
 * Config loading: YAML file → `--set key=value` overrides → dataset defaults → zod validation →
 * cross-field rules of the official scripts. Every error names the source, the field, the bad value
 * and what is allowed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { deepMerge, defaultsFor, isPlainObject } from './defaults.js';
import { type ConfigInput, configSchema, DATASETS, type DatasetName, familyOf, type RunConfig } from './schema.js';

/** A user mistake in a config: printed as is, without a stack trace. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function parseYamlFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `config ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text, { prettyErrors: true });
  } catch (e) {
    throw new ConfigError(`config ${file}: not valid YAML: ${(e as Error).message}`);
  }
  if (doc == null) return {};
  if (!isPlainObject(doc)) throw new ConfigError(`config ${file}: the top level must be a mapping of options`);
  return doc;
}

/**
 * Parses a YAML config file into a plain object. `extends: base.yaml` (or a list, merged in order;
 * paths relative to the file) pulls in other files first, so a `*-cpu` sibling only states what differs.
 */
export function readConfigFile(file: string, seen: string[] = []): ConfigInput {
  const abs = path.resolve(file);
  if (seen.includes(abs))
    throw new ConfigError(`config ${file}: 'extends' loops back to it (${[...seen, abs].join(' → ')})`);
  const doc = parseYamlFile(file);
  const { extends: ext, ...rest } = doc;
  if (ext === undefined) return rest as ConfigInput;
  const bases = Array.isArray(ext) ? ext : [ext];
  let merged: Record<string, unknown> = {};
  for (const b of bases) {
    if (typeof b !== 'string')
      throw new ConfigError(
        `config ${file}: extends: expected a file name or a list of them, got ${JSON.stringify(b)}`,
      );
    merged = deepMerge(merged, readConfigFile(path.resolve(path.dirname(abs), b), [...seen, abs]));
  }
  return deepMerge(merged, rest) as ConfigInput;
}

/** Applies `key.path=value` overrides (values parsed as YAML: numbers, booleans, [lists]). */
export function applySets(input: ConfigInput, sets: readonly string[]): ConfigInput {
  let out: Record<string, unknown> = structuredClone(input) as Record<string, unknown>;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${s}: expected key=value, e.g. --set optimizer.lr=1e-4`);
    const key = s.slice(0, eq).trim();
    const raw = s.slice(eq + 1);
    let value: unknown;
    try {
      value = raw === '' ? '' : YAML.parse(raw);
    } catch {
      value = raw;
    }
    const parts = key.split('.');
    if (parts.some((p) => p === '')) throw new ConfigError(`--set ${s}: '${key}' is not a valid key path`);
    const patch: Record<string, unknown> = {};
    let cur = patch;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) cur[p] = value;
      else cur = cur[p] = {} as Record<string, unknown>;
    });
    out = deepMerge(out, patch);
  }
  return out as ConfigInput;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(obj: unknown, p: readonly PropertyKey[]): unknown {
  let cur = obj;
  for (const k of p)
    cur = isPlainObject(cur) || Array.isArray(cur) ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
  return cur;
}

/** The keys a (nested) object of the schema allows at `p`. */
function allowedKeys(p: readonly PropertyKey[]): string[] {
  let s: z.ZodType = configSchema;
  for (const k of p) {
    const shape = (s as unknown as { shape?: Record<string, z.ZodType> }).shape;
    if (!shape?.[k as string]) return [];
    s = shape[k as string];
  }
  return Object.keys((s as unknown as { shape?: Record<string, unknown> }).shape ?? {});
}

function formatIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const base = issue.path.length ? `${issue.path.join('.')}.` : '';
    const allowed = allowedKeys(issue.path);
    return issue.keys.map((k) => `${base}${k}: unknown option; allowed here: ${allowed.join(', ')}`).join('\n  ');
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `${where}: got ${describe(valueAt(input, issue.path))}; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${where}: ${issue.message} (got ${describe(valueAt(input, issue.path))})`;
}

export interface ResolveOptions {
  /** where the input came from, for messages (a file name or 'built-in default') */
  source?: string;
}

/** Merges the dataset defaults under `input`, validates, and applies the official cross-field rules. */
export function resolveConfig(input: ConfigInput, opts: ResolveOptions = {}): RunConfig {
  const source = opts.source ?? 'config';
  const dataset = (input.data as { dataset?: unknown } | undefined)?.dataset;
  if (!DATASETS.includes(dataset as DatasetName)) {
    throw new ConfigError(
      `${source}: data.dataset: got ${describe(dataset)}; allowed: ${DATASETS.map((d) => JSON.stringify(d)).join(', ')}`,
    );
  }
  const defaults = defaultsFor(dataset as DatasetName);
  // official imdb-wiki-dir/train.py: weight decay 1e-4 applies to SGD only (Adam: none)
  if (
    familyOf(dataset as DatasetName) === 'age' &&
    input.optimizer?.name === 'sgd' &&
    input.optimizer.weightDecay === undefined
  )
    defaults.optimizer.weightDecay = 1e-4;
  const merged = deepMerge({ name: 'run', row: 'custom', ...defaults } as unknown, input);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => formatIssue(i, merged));
    throw new ConfigError(`${source}: invalid config\n  ${lines.join('\n  ')}`);
  }
  const c = parsed.data;
  const problems = crossFieldProblems(c);
  if (problems.length) throw new ConfigError(`${source}: invalid config\n  ${problems.join('\n  ')}`);
  return c;
}

/** Rules the official scripts assert, plus combinations this implementation cannot run. */
export function crossFieldProblems(c: RunConfig): string[] {
  const out: string[] = [];
  const family = familyOf(c.data.dataset);
  if (family === 'linear' && c.model.arch !== 'linear')
    out.push(`model.arch: ${c.data.dataset} uses the linear model; got "${c.model.arch}", allowed: "linear"`);
  if (family !== 'linear' && c.model.arch === 'linear')
    out.push(
      `model.arch: "linear" is only for synthetic-1d/-2d; allowed for ${c.data.dataset}: resnet18, resnet34, resnet50`,
    );
  if (c.lds.enabled && c.reweight === 'none')
    out.push(
      'lds.enabled: LDS smooths the re-weighting, so reweight must be "inverse" or "sqrt_inv" (official assert)',
    );
  if (c.rrt.enabled && !c.model.pretrained)
    out.push('rrt.enabled: regressor re-training needs model.pretrained (a run or checkpoint folder to start from)');
  if (c.fds.enabled && family === 'linear')
    out.push('fds.enabled: FDS needs a feature extractor; the linear model has none');
  if (c.fds.enabled && c.fds.bucketStart >= c.fds.bucketNum)
    out.push(`fds.bucketStart: ${c.fds.bucketStart} must be below fds.bucketNum (${c.fds.bucketNum})`);
  if (c.bmse.enabled && c.bmse.impl === 'bmc' && family === 'depth')
    out.push(
      'bmse.impl: "bmc" on per-pixel depth would build a P×P logit matrix (P ≈ 550k); allowed for depth: "gai", "bni"',
    );
  if (c.bmse.enabled && c.bmse.impl === 'bni' && c.data.dataset === 'synthetic-2d')
    out.push('bmse.impl: BNI is 1-D only; allowed for synthetic-2d: "gai", "bmc"');
  const m = c.selection.metric;
  if (family === 'depth' && !['auto', 'rmse', 'mae'].includes(m))
    out.push(`selection.metric: got "${m}"; allowed for depth: "auto", "rmse", "mae"`);
  if (family !== 'depth' && m === 'rmse')
    out.push(`selection.metric: "rmse" is for depth; allowed: "auto", "mae", "mse", "bmae", "bmse"`);
  if (c.shots.few > c.shots.many) out.push(`shots.few (${c.shots.few}) must not exceed shots.many (${c.shots.many})`);
  if (c.schedule.type === 'step' && c.schedule.milestones.some((v, i, a) => i > 0 && v <= a[i - 1]))
    out.push(`schedule.milestones: must increase, got ${JSON.stringify(c.schedule.milestones)}`);
  return out.filter(Boolean);
}

/** The metric that selects the best checkpoint (spec §4.1: MSE for --loss mse, else L1; balanced with --balanced_metric). */
export function selectionMetric(c: RunConfig): 'mae' | 'mse' | 'bmae' | 'bmse' | 'rmse' {
  if (c.selection.metric !== 'auto') return c.selection.metric;
  if (familyOf(c.data.dataset) === 'depth') return 'rmse';
  const base = c.loss.name === 'mse' || familyOf(c.data.dataset) === 'linear' ? 'mse' : 'mae';
  return c.selection.balancedMetric ? (base === 'mse' ? 'bmse' : 'bmae') : base;
}

/** `{seed}` in `name` and `model.pretrained` becomes the run's seed (one config, several seeds). */
function expandSeed(input: ConfigInput): ConfigInput {
  const seed = input.seed ?? 0;
  const sub = (v: unknown) => (typeof v === 'string' ? v.replaceAll('{seed}', String(seed)) : v);
  const out = structuredClone(input) as ConfigInput & { model?: { pretrained?: unknown } };
  if (out.name !== undefined) out.name = sub(out.name) as string;
  if (out.model?.pretrained !== undefined) out.model.pretrained = sub(out.model.pretrained) as string;
  return out;
}

/**
 * Loads a YAML file with overrides. The run name defaults to `<folder>-<file>-s{seed}`
 * (configs/imdb-wiki-dir/vanilla.yaml, seed 1 → imdb-wiki-dir-vanilla-s1).
 */
export function loadConfig(file: string | null, sets: readonly string[] = [], builtIn?: ConfigInput): RunConfig {
  const source = file ?? 'built-in default config';
  let input: ConfigInput = file ? readConfigFile(file) : structuredClone(builtIn ?? {});
  if (file && input.name === undefined) {
    const base = path.basename(file).replace(/\.ya?ml$/i, '');
    input = { ...input, name: `${path.basename(path.dirname(path.resolve(file)))}-${base}-s{seed}` };
  }
  return resolveConfig(expandSeed(applySets(input, sets)), { source: sets.length ? `${source} (with --set)` : source });
}

/** The resolved config as YAML (what runs/<name>/config.yaml holds). */
export function configToYaml(c: RunConfig): string {
  return YAML.stringify(c, { lineWidth: 0 });
}
