import { initBackend, tf } from '@bmse/backend';
import { openImdbWikiDir, closeDataWorkers } from '../src/index.ts';
await initBackend('wasm');
const ds = await openImdbWikiDir({ dir: '/tmp/bmse-bench-data/imdb-typical', split: 'train', imageSize: 224, augment: true, batchSize: 64, seed: 0, prefetch: 2, workers: 2 });
for await (const b of ds.rawBatches({ epoch: 0 })) {}
for (let r = 0; r < 4; r++) {
  let t = performance.now(); let n = 0;
  for (let e = 0; e < 3; e++) for await (const b of ds.rawBatches({ epoch: e })) n += b.indices.length;
  const raw = n / ((performance.now() - t) / 1000);
  t = performance.now(); n = 0;
  for (let e = 0; e < 3; e++) for await (const b of ds.batches({ epoch: e })) { n += b.indices.length; tf.dispose([b.x, b.y]); }
  const ten = n / ((performance.now() - t) / 1000);
  console.log('raw', raw.toFixed(0), 'tensors', ten.toFixed(0));
}
await closeDataWorkers();
