/** The demo's settings, read from and written to the URL (`#p=100,51.2,6.4,0.8,0.1&seed=0&sigma=fixed&dims=1`). */
import { DEFAULT_PERCENTAGES, NUM_BINS } from './data.js';

export interface DemoState {
  percentages: number[];
  seed: number;
  learnableSigma: boolean;
  dims: 1 | 2;
  epochs: number;
  /** 'auto' = webgl, then wasm, then cpu */
  backend: 'auto' | 'webgl' | 'wasm' | 'cpu';
}

export const DEFAULT_STATE: DemoState = {
  percentages: DEFAULT_PERCENTAGES,
  seed: 0,
  learnableSigma: false,
  dims: 1,
  epochs: 100,
  backend: 'auto',
};

/** Parses the hash; anything missing or malformed keeps its default. */
export function stateFromHash(hash: string): DemoState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const s: DemoState = { ...DEFAULT_STATE, percentages: [...DEFAULT_STATE.percentages] };
  const p = q.get('p')?.split(',').map(Number);
  if (p && p.length === NUM_BINS && p.every((v) => Number.isFinite(v) && v >= 0 && v <= 100) && p.some((v) => v > 0))
    s.percentages = p;
  const seed = Number(q.get('seed'));
  if (q.has('seed') && Number.isInteger(seed) && seed >= 0) s.seed = seed;
  if (q.get('sigma') === 'learnable') s.learnableSigma = true;
  if (q.get('dims') === '2') s.dims = 2;
  const epochs = Number(q.get('epochs'));
  if (q.has('epochs') && Number.isInteger(epochs) && epochs >= 1 && epochs <= 1000) s.epochs = epochs;
  const backend = q.get('backend');
  if (backend === 'webgl' || backend === 'wasm' || backend === 'cpu') s.backend = backend;
  return s;
}

export function hashOf(s: DemoState): string {
  const q = new URLSearchParams({
    p: s.percentages.join(','),
    seed: String(s.seed),
    sigma: s.learnableSigma ? 'learnable' : 'fixed',
    dims: String(s.dims),
  });
  if (s.epochs !== DEFAULT_STATE.epochs) q.set('epochs', String(s.epochs));
  if (s.backend !== 'auto') q.set('backend', s.backend);
  return `#${q.toString()}`;
}
