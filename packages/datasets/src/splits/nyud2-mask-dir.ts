/** Builds `test_balanced_mask.npy` for a NYUD2-DIR folder from its test depths after the test transform. */
import path from 'node:path';
import { writeNpy } from '../npy.js';
import { NYUD2_FILES, openNyud2Dir } from '../nyud2-dataset.js';
import { type BalancedMask, buildBalancedMask } from './nyud2-mask.js';

export async function writeNyud2BalancedMask(
  dir: string,
  opts: { seed?: number; crop?: [number, number]; shortSide?: number; file?: string } = {},
): Promise<BalancedMask & { file: string }> {
  const ds = await openNyud2Dir({
    dir,
    split: 'test',
    batchSize: 8,
    mask: false,
    crop: opts.crop,
    shortSide: opts.shortSide,
  });
  const depths: Float32Array[] = [];
  const px = ds.crop[0] * ds.crop[1];
  for await (const b of ds.rawBatches())
    for (let k = 0; k < b.indices.length; k++) depths.push(b.depth.slice(k * px, (k + 1) * px));
  const result = buildBalancedMask(depths, { seed: opts.seed });
  const file = opts.file ?? path.join(dir, NYUD2_FILES.mask);
  await writeNpy(file, { dtype: '|u1', shape: [depths.length, ds.crop[0], ds.crop[1]], data: result.mask });
  return { ...result, file };
}
