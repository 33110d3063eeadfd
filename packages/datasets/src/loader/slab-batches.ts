/**
 * The batching loop both loaders share: samples loaded in order into per-batch slabs (batch-slabs.ts), grouped
 * into batches; a batch that is a whole slab is handed over as it is, any other (after skipped bad samples) is
 * copied out of the samples' views. Running tasks are awaited and unclaimed slabs freed when the pass ends,
 * also when the consumer stops early or an error ends it.
 */
import { type BadSample, type BadSampleLog, DatasetError } from '../errors.js';
import { type BatchSlabs, runIntoSlab, type Slab, type SlabSample } from './batch-slabs.js';
import { epochOrder, lookahead } from './order.js';
import { batchesOf, loadInOrder, stack } from './prefetch.js';
import type { SampleTask } from './sample-tasks.js';

export interface SlabBatch<O> {
  indices: number[];
  /** the batch's own slab (its memory and owner now belong to the caller), or null … */
  whole: Slab<O> | null;
  /** … and then each array of the batch, copied */
  parts: Float32Array[] | null;
}

export async function* slabBatches<O>(o: {
  order: readonly number[];
  slabs: BatchSlabs<O>;
  task: (index: number) => SampleTask;
  run: (task: SampleTask) => Promise<unknown>;
  lookahead: number;
  batchSize: number;
  dropLast: boolean;
  onError: (error: unknown, index: number) => void;
}): AsyncGenerator<SlabBatch<O>> {
  const { slabs } = o;
  try {
    const samples = loadInOrder(o.order, (i, position) => runIntoSlab(o.run, o.task(i), slabs, position), o.lookahead);
    for await (const b of batchesOf<SlabSample<O>>(samples, o.batchSize, o.dropLast, o.onError)) {
      const whole = slabs.claimWhole(b.values);
      if (whole) {
        yield { indices: b.indices, whole, parts: null };
        continue;
      }
      const parts = b.values[0].views.map((_, k) => stack(b.values.map((v) => v.views[k])));
      slabs.copied(b.values);
      yield { indices: b.indices, whole: null, parts };
    }
  } finally {
    await slabs.close();
  }
}

/** Array `k` of a batch: a view of its whole slab, or the copy. */
export function batchArray<O>(b: SlabBatch<O>, k: number, floats: number): Float32Array {
  if (b.parts) return b.parts[k];
  const r = b.whole!.regions[k];
  return new Float32Array(r.buffer, r.byteOffset, b.indices.length * floats);
}

/**
 * The passes of a dataset: `pass(epoch, slabs)` loads the split in the epoch's order (seeded shuffle or file
 * order) into the slabs `slabs(total)` makes; bad samples throw, or with `skip` are logged and reported after
 * the pass.
 */
export function datasetPasses(d: {
  size: number;
  shuffle: boolean;
  seed: number;
  task: (epoch: number) => (index: number) => SampleTask;
  run: (task: SampleTask) => Promise<unknown>;
  batchSize: number;
  prefetch: number;
  dropLast: boolean;
  skip: boolean;
  log: BadSampleLog;
  report: (items: readonly BadSample[]) => void;
}) {
  return async function* pass<O>(epoch: number, slabs: (total: number) => BatchSlabs<O>): AsyncGenerator<SlabBatch<O>> {
    const order = epochOrder(d.size, d.shuffle, d.seed, epoch);
    yield* slabBatches({
      order,
      slabs: slabs(order.length),
      task: d.task(epoch),
      run: d.run,
      lookahead: lookahead(d.batchSize, d.prefetch),
      batchSize: d.batchSize,
      dropLast: d.dropLast,
      onError: (e: unknown) => {
        if (d.skip && e instanceof DatasetError) d.log.add(e);
        else throw e;
      },
    });
    if (d.skip) d.report(d.log.items);
  };
}
