/**
 * Ordered parallel loading: up to `window` samples are decoded ahead (in the worker pool, or on this thread),
 * results come out in `order`. Randomness is keyed by sample index, so output never depends on `window`.
 */
export type Settled<T> =
  | { index: number; value: T; error?: undefined }
  | { index: number; value?: undefined; error: unknown };

export async function* loadInOrder<T>(
  order: readonly number[],
  /** `position`: the sample's place in `order` */
  load: (index: number, position: number) => Promise<T>,
  window: number,
): AsyncGenerator<Settled<T>> {
  const pending: Promise<Settled<T>>[] = [];
  let next = 0;
  const start = () => {
    const position = next++;
    const index = order[position];
    // settle immediately so an early `return` from the consumer leaves no unhandled rejection
    pending.push(
      load(index, position).then(
        (value) => ({ index, value }),
        (error: unknown) => ({ index, error }),
      ),
    );
  };
  while (next < order.length && pending.length < Math.max(1, window)) start();
  while (pending.length > 0) {
    const head = pending.shift()!;
    if (next < order.length) start();
    yield await head;
  }
}

/** Groups loaded samples into batches of `batchSize`, skipping or throwing on failed samples. */
export async function* batchesOf<T>(
  samples: AsyncIterable<Settled<T>>,
  batchSize: number,
  dropLast: boolean,
  onError: (error: unknown, index: number) => void,
): AsyncGenerator<{ indices: number[]; values: T[] }> {
  let indices: number[] = [];
  let values: T[] = [];
  for await (const s of samples) {
    if (s.error !== undefined) {
      onError(s.error, s.index);
      continue;
    }
    indices.push(s.index);
    values.push(s.value as T);
    if (values.length === batchSize) {
      yield { indices, values };
      indices = [];
      values = [];
    }
  }
  if (values.length > 0 && !dropLast) yield { indices, values };
}

/**
 * Concatenates equally sized float arrays into one batch buffer. When they already are, in order, the whole of
 * one buffer (loader/batch-slabs.ts), that buffer is the batch: no copy.
 */
export function stack(parts: readonly Float32Array[]): Float32Array {
  const n = parts.length === 0 ? 0 : parts[0].length;
  const buf = parts[0]?.buffer;
  if (
    buf &&
    buf.byteLength === parts.length * n * 4 &&
    parts.every((p, i) => p.buffer === buf && p.length === n && p.byteOffset === i * n * 4)
  )
    return new Float32Array(buf);
  const out = new Float32Array(parts.length * n);
  parts.forEach((p, i) => {
    out.set(p, i * n);
  });
  return out;
}
