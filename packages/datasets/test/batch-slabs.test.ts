/** Batch memory bookkeeping (loader/batch-slabs.ts, slab-batches.ts) with a fake sample runner. */
import { describe, expect, it } from 'vitest';
import { BatchSlabs, type OutSlot } from '../src/loader/batch-slabs.js';
import type { SampleTask } from '../src/loader/sample-tasks.js';
import { batchArray, slabBatches } from '../src/loader/slab-batches.js';

/** Slabs of plain buffers whose free() poisons the memory with −1 (as reuse by another batch would). */
function poisonedSlabs(total: number, batchSize: number) {
  const freed: number[] = [];
  const slabs = new BatchSlabs<ArrayBuffer[]>(
    total,
    batchSize,
    [2],
    (samples, floats) => {
      const buffers = floats.map((f) => new ArrayBuffer(samples * f * 4));
      return { regions: buffers.map((buffer) => ({ buffer, byteOffset: 0 })), owner: buffers };
    },
    (owner) => {
      for (const b of owner) new Float32Array(b).fill(-1);
      freed.push(owner.length);
    },
  );
  return { slabs, freed };
}

/** A sample task that writes [index, index + 0.5] into its slot after `delay` ms, or fails for `bad` indices. */
const fakeRun = (bad: Set<number>) => async (t: SampleTask) => {
  await new Promise((r) => setTimeout(r, (t.index * 7) % 5));
  if (bad.has(t.index)) throw new Error(`bad sample ${t.index}`);
  const slot = t.out![0] as OutSlot;
  new Float32Array(slot.buffer, slot.byteOffset, 2).set([t.index, t.index + 0.5]);
  return [];
};
const task = (i: number) => ({ kind: 'age', index: i }) as unknown as SampleTask;

async function collect(
  bad: number[],
  opts: { total: number; batchSize: number; lookahead: number; stopAfter?: number },
) {
  const { slabs, freed } = poisonedSlabs(opts.total, opts.batchSize);
  const batches: { indices: number[]; values: number[]; whole: boolean }[] = [];
  const it = slabBatches({
    order: Array.from({ length: opts.total }, (_, i) => i),
    slabs,
    task,
    run: fakeRun(new Set(bad)),
    lookahead: opts.lookahead,
    batchSize: opts.batchSize,
    dropLast: false,
    onError: () => {},
  });
  for await (const b of it) {
    batches.push({ indices: b.indices, values: Array.from(batchArray(b, 0, 2)), whole: b.whole !== null });
    if (opts.stopAfter && batches.length >= opts.stopAfter) break;
  }
  return { batches, freed };
}

describe('batch slabs', () => {
  it('whole batches are their slabs; nothing is freed under them', async () => {
    const { batches, freed } = await collect([], { total: 10, batchSize: 4, lookahead: 12 });
    expect(batches.map((b) => b.whole)).toEqual([true, true, true]);
    expect(batches.map((b) => b.values)).toEqual(
      [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
      ].map((ix) => ix.flatMap((i) => [i, i + 0.5])),
    );
    expect(freed).toEqual([]); // claimed by the consumer
  });

  it('after a skipped sample, later batches are copied before their slabs are freed (look-ahead of 3 batches)', async () => {
    const { batches, freed } = await collect([1], { total: 16, batchSize: 4, lookahead: 12 });
    expect(batches.map((b) => b.indices)).toEqual([
      [0, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [13, 14, 15],
    ]);
    for (const b of batches) expect(b.values).toEqual(b.indices.flatMap((i) => [i, i + 0.5]));
    expect(batches.map((b) => b.whole)).toEqual([false, false, false, false]);
    expect(freed).toHaveLength(4); // every slab, once all its samples were copied
  });

  it('a consumer that stops early: running tasks finish, then every unclaimed slab is freed once', async () => {
    const { batches, freed } = await collect([], { total: 16, batchSize: 4, lookahead: 12, stopAfter: 1 });
    expect(batches).toHaveLength(1);
    expect(freed).toHaveLength(3); // slabs 1–3 were allocated by the look-ahead; slab 0 is the consumer's
  });
});
