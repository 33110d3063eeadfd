/**
 * `pnpm run bench data`: images/s of the IMDB-WIKI-DIR train transform at 224 and of the NYUD2-DIR train
 * transform (@bmse/datasets: libjpeg-turbo decode, Pillow-exact resize, crop/flip, scipy-exact spline rotation
 * and colour in N worker threads writing into shared batch buffers, with the native kernels when they are built;
 * also with the workers off), beside torchvision + PIL + scipy (scripts/bench/torch_data.py, DataLoader with the
 * same N workers) on the same files, in rounds that alternate which side goes first.
 * The files are generated once into a temporary folder: JPEG "faces" (IMDB-WIKI-like sizes) and 640×480
 * synthetic-depth scenes (NYUD2 format).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Datasets, loadDatasets } from '../datasets/load.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface DataBenchOptions {
  images: number;
  nyuImages: number;
  faceSize: number;
  imdbBatch: number;
  nyuBatch: number;
  passes: number;
  rounds: number;
  workers: number;
  tsWorkers?: number;
  prefetch: number;
  python: string;
  dir?: string;
}

/** The IMDB-WIKI-like JPEG sets: `heavy` stresses the decoder, `typical` has the dataset's sizes and file sizes. */
const FACE_SETS = {
  heavy: { label: 'q95 4:4:4', quality: 95, chroma: '4:4:4' as const },
  typical: { label: 'q80 4:2:0', quality: 80, chroma: '4:2:0' as const },
};
type FaceSet = keyof typeof FACE_SETS;

async function prepare(
  ds: Datasets,
  root: string,
  o: DataBenchOptions,
): Promise<{ imdb: Record<FaceSet, string>; nyu: string }> {
  const nyu = path.join(root, 'nyu');
  const imdb = { heavy: path.join(root, 'imdb'), typical: path.join(root, 'imdb-typical') };
  for (const set of Object.keys(FACE_SETS) as FaceSet[]) {
    const dir = imdb[set];
    if (await exists(path.join(dir, 'imdb_wiki.csv'))) continue;
    const { quality, chroma } = FACE_SETS[set];
    const rows = Array.from({ length: o.images }, (_, i) => ({
      age: 20 + (i % 60),
      path: `imdb_crop/${String(i % 100).padStart(2, '0')}/${i}.jpg`,
      split: 'train' as const,
    }));
    await Promise.all(
      rows.map(async (r, i) => {
        // heavy: --face-size squares with strong noise; typical: sides 160–400 px, ~15 KB files
        const side = set === 'heavy' ? o.faceSize : 160 + ((i * 37) % 241);
        const img = ds.renderAgeImage(r.age, side, ds.rngFor(0, `bench-${set}`, i), 12);
        await ds.writeImage(path.join(dir, r.path), img, 'jpeg', { quality, chromaSubsampling: chroma });
      }),
    );
    await ds.writeAgeCsv(path.join(dir, 'imdb_wiki.csv'), rows);
  }
  if (!(await exists(path.join(nyu, 'nyu2_train.csv'))))
    await ds.writeSyntheticDepth(nyu, { seed: 0, nTrain: o.nyuImages, nTest: 1, width: 640, height: 480 });
  return { imdb, nyu };
}

/** Mean file size of a prepared JPEG set, in KB. */
async function meanKb(dir: string): Promise<number> {
  const files = await fs.readdir(path.join(dir, 'imdb_crop'), { recursive: true });
  const sizes = await Promise.all(
    files.filter((f) => f.endsWith('.jpg')).map(async (f) => (await fs.stat(path.join(dir, 'imdb_crop', f))).size),
  );
  return sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length) / 1024;
}

async function exists(p: string): Promise<boolean> {
  return fs
    .access(p)
    .then(() => true)
    .catch(() => false);
}

async function timeTs(iterate: (epoch: number) => Promise<number>, passes: number): Promise<number> {
  await iterate(0); // warm-up pass
  const t0 = performance.now();
  let n = 0;
  for (let p = 1; p <= passes; p++) n += await iterate(p);
  return n / ((performance.now() - t0) / 1000);
}

/** A measured row: three loaders (IMDB heavy, IMDB typical, NYUD2), one images/s each. */
type Rates = Record<'heavy' | 'typical' | 'nyud2', number>;
const KEYS = ['heavy', 'typical', 'nyud2'] as const;

export async function benchData(o: DataBenchOptions): Promise<void> {
  const { initBackend, tf } = await import('@bmse/backend');
  type Tensor = InstanceType<typeof tf.Tensor>;
  const backend = await initBackend('wasm');
  const ds = await loadDatasets();
  const root = o.dir ?? path.join(os.tmpdir(), 'bmse-bench-data');
  console.log(`preparing 2×${o.images} JPEG faces and ${o.nyuImages} 640×480 NYUD2 pairs in ${root} …`);
  const { imdb, nyu } = await prepare(ds, root, o);
  const open = async (workers: number) => {
    const age = (dir: string) =>
      ds.openImdbWikiDir({
        dir,
        split: 'train',
        imageSize: 224,
        augment: true,
        batchSize: o.imdbBatch,
        seed: 0,
        prefetch: o.prefetch,
        workers,
      });
    const sets = {
      heavy: await age(imdb.heavy),
      typical: await age(imdb.typical),
      nyud2: await ds.openNyud2Dir({
        dir: nyu,
        split: 'train',
        batchSize: o.nyuBatch,
        seed: 0,
        prefetch: o.prefetch,
        workers,
      }),
    };
    return async (): Promise<Rates> => {
      const out = {} as Rates;
      for (const k of KEYS) out[k] = await timeTs((e) => count(sets[k].batches({ epoch: e })), o.passes);
      return out;
    };
  };
  // batches(): tensors, what training consumes (torch's DataLoader hands out tensors too)
  const count = async (it: AsyncIterable<{ indices: number[] }>) => {
    let n = 0;
    for await (const b of it) {
      n += b.indices.length;
      tf.dispose(Object.values(b as object).filter((v): v is Tensor => v instanceof tf.Tensor));
    }
    return n;
  };
  // the same number of workers on both sides unless --ts-workers (o.workers is the DataLoader's num_workers)
  const tsWorkers = o.tsWorkers ?? o.workers;
  const ours = await open(tsWorkers);
  let torch = 'n/a';
  const peer = (): Rates | null => {
    try {
      const dirs = `${imdb.heavy},${imdb.typical}`;
      const args = [dirs, nyu, o.workers, o.imdbBatch, o.nyuBatch, o.passes].map(String);
      const out = execFileSync(o.python, [path.join(here, 'torch_data.py'), ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const r = JSON.parse(out.trim().split('\n').pop()!) as { imdb: number[]; nyud2: number; torch: string };
      torch = r.torch;
      return { heavy: r.imdb[0], typical: r.imdb[1], nyud2: r.nyud2 };
    } catch (e) {
      console.warn(`torchvision peer failed: ${(e as Error).message}`);
      return null;
    }
  };
  // rounds alternate which side goes first, so that a machine that speeds up or slows down favours neither
  const rounds: { ts: Rates; py: Rates | null }[] = [];
  for (let r = 0; r < o.rounds; r++) {
    let ts: Rates;
    let py: Rates | null;
    if (r % 2 === 0) {
      ts = await ours();
      py = peer();
    } else {
      py = peer();
      ts = await ours();
    }
    rounds.push({ ts, py });
    const part = (k: keyof Rates) =>
      `${k} ${ts[k].toFixed(1)} vs ${py ? py[k].toFixed(1) : 'n/a'}${py ? ` (${(ts[k] / py[k]).toFixed(2)}×)` : ''}`;
    console.log(`round ${r + 1}/${o.rounds} (images/s, ours vs torchvision): ${KEYS.map(part).join(', ')}`);
  }
  await ds.closeDataWorkers();
  const main = await (await open(0))();
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length === 0 ? Number.NaN : (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
  };
  const row = (name: string, k: keyof Rates) => {
    const ts = median(rounds.map((r) => r.ts[k]));
    const pys = rounds.flatMap((r) => (r.py ? [r.py[k]] : []));
    const ratios = rounds.flatMap((r) => (r.py ? [r.ts[k] / r.py[k]] : []));
    const py = pys.length ? median(pys).toFixed(1) : 'n/a';
    const ratio = ratios.length
      ? `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`
      : 'n/a';
    return `| ${name} | ${ts.toFixed(1)} | ${main[k].toFixed(1)} | ${py} | ${ratio} |`;
  };
  const [kbHeavy, kbTypical] = [await meanKb(imdb.heavy), await meanKb(imdb.typical)];
  console.log(
    `\ncpus: ${os.cpus().length} (${os.cpus()[0]?.model}), load ${os.loadavg()[0].toFixed(1)}; torch ${torch}; ` +
      `${tsWorkers} worker threads / ${o.workers} DataLoader processes; ${o.rounds} rounds of ${o.passes} timed passes ` +
      `(medians); batches as ${backend.backend} tensors; JPEG decoding: ${ds.nativeImageStatus()}`,
  );
  console.log(
    `| transform | @bmse/datasets images/s (${tsWorkers} workers) | @bmse/datasets, main thread | torchvision+PIL images/s | ratio: median of rounds (min–max) |`,
  );
  console.log('|---|---|---|---|---|');
  const face = (set: FaceSet, kb: number, sides: string) =>
    `IMDB-WIKI-DIR train → 224 (batch ${o.imdbBatch}), JPEGs ${sides} ${FACE_SETS[set].label}, ${kb.toFixed(1)} KB`;
  console.log(row(face('typical', kbTypical, '160–400 px'), 'typical'));
  console.log(row(face('heavy', kbHeavy, `${o.faceSize} px`), 'heavy'));
  console.log(row(`NYUD2-DIR train, 640×480 → 228×304 (batch ${o.nyuBatch})`, 'nyud2'));
}
