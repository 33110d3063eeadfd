/**
 * `pnpm run bench data`: images/s of the IMDB-WIKI-DIR train transform at 224 and of the NYUD2-DIR train
 * transform (@bmse/datasets: sharp decode + resize, JS crop/flip/spline rotation/colour, in N worker threads,
 * prefetch; also with the workers off), beside torchvision + PIL + scipy (scripts/bench/torch_data.py,
 * DataLoader with the same N workers) on the same files, same run.
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
  workers: number;
  tsWorkers?: number;
  prefetch: number;
  python: string;
  dir?: string;
}

async function prepare(ds: Datasets, root: string, o: DataBenchOptions): Promise<{ imdb: string; nyu: string }> {
  const imdb = path.join(root, 'imdb');
  const nyu = path.join(root, 'nyu');
  if (!(await exists(path.join(imdb, 'imdb_wiki.csv')))) {
    // IMDB-WIKI crops are JPEGs of a few hundred pixels a side: render the synthetic-age images at that size
    const rows = Array.from({ length: o.images }, (_, i) => ({
      age: 20 + (i % 60),
      path: `imdb_crop/${String(i % 100).padStart(2, '0')}/${i}.jpg`,
      split: 'train' as const,
    }));
    await Promise.all(
      rows.map(async (r, i) => {
        const img = ds.renderAgeImage(r.age, o.faceSize, ds.rngFor(0, 'bench', i), 12);
        await ds.writeImage(path.join(imdb, r.path), img, 'jpeg');
      }),
    );
    await ds.writeAgeCsv(path.join(imdb, 'imdb_wiki.csv'), rows);
  }
  if (!(await exists(path.join(nyu, 'nyu2_train.csv'))))
    await ds.writeSyntheticDepth(nyu, { seed: 0, nTrain: o.nyuImages, nTest: 1, width: 640, height: 480 });
  return { imdb, nyu };
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

export async function benchData(o: DataBenchOptions): Promise<void> {
  const ds = await loadDatasets();
  const root = o.dir ?? path.join(os.tmpdir(), 'bmse-bench-data');
  console.log(`preparing ${o.images} JPEG faces (${o.faceSize}px) and ${o.nyuImages} 640×480 NYUD2 pairs in ${root} …`);
  const { imdb, nyu } = await prepare(ds, root, o);
  const open = (workers: number) =>
    Promise.all([
      ds.openImdbWikiDir({
        dir: imdb,
        split: 'train',
        imageSize: 224,
        augment: true,
        batchSize: o.imdbBatch,
        seed: 0,
        prefetch: o.prefetch,
        workers,
      }),
      ds.openNyud2Dir({ dir: nyu, split: 'train', batchSize: o.nyuBatch, seed: 0, prefetch: o.prefetch, workers }),
    ]);
  const count = async (it: AsyncIterable<{ indices: number[] }>) => {
    let n = 0;
    for await (const b of it) n += b.indices.length;
    return n;
  };
  // the same number of workers on both sides unless --ts-workers (o.workers is the DataLoader's num_workers)
  const tsWorkers = o.tsWorkers ?? o.workers;
  const [imdbDs, nyuDs] = await open(tsWorkers);
  const tsImdb = await timeTs((e) => count(imdbDs.rawBatches({ epoch: e })), o.passes);
  const tsNyu = await timeTs((e) => count(nyuDs.rawBatches({ epoch: e })), o.passes);
  await ds.closeDataWorkers();
  const [imdbMain, nyuMain] = await open(0);
  const mainImdb = await timeTs((e) => count(imdbMain.rawBatches({ epoch: e })), o.passes);
  const mainNyu = await timeTs((e) => count(nyuMain.rawBatches({ epoch: e })), o.passes);
  let peer: { imdb: number; nyud2: number; torch: string } | null = null;
  try {
    const out = execFileSync(
      o.python,
      [
        path.join(here, 'torch_data.py'),
        imdb,
        nyu,
        String(o.workers),
        String(o.imdbBatch),
        String(o.nyuBatch),
        String(o.passes),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    peer = JSON.parse(out.trim().split('\n').pop()!);
  } catch (e) {
    console.warn(`torchvision peer failed: ${(e as Error).message}`);
  }
  const row = (name: string, ts: number, main: number, py?: number) =>
    `| ${name} | ${ts.toFixed(1)} | ${main.toFixed(1)} | ${py === undefined ? 'n/a' : py.toFixed(1)} | ${py ? (ts / py).toFixed(2) + '×' : 'n/a'} |`;
  console.log(
    `\ncpus: ${os.cpus().length} (${os.cpus()[0]?.model}), load ${os.loadavg()[0].toFixed(1)}; torch ${peer?.torch ?? 'n/a'}; ` +
      `${tsWorkers} worker threads / ${o.workers} DataLoader processes; JPEG decoding: ${ds.nativeImageStatus()}`,
  );
  console.log(
    `| transform | @bmse/datasets images/s (${tsWorkers} workers) | @bmse/datasets, main thread | torchvision+PIL images/s | ratio |`,
  );
  console.log('|---|---|---|---|---|');
  console.log(row(`IMDB-WIKI-DIR train, 224 (batch ${o.imdbBatch})`, tsImdb, mainImdb, peer?.imdb));
  console.log(row(`NYUD2-DIR train, 640×480 → 228×304 (batch ${o.nyuBatch})`, tsNyu, mainNyu, peer?.nyud2));
}
