/**
 * NYUD2-DIR training depth histogram TRAIN_BUCKET_NUM: training pixels per 0.1 m bin (official repo
 * jiawei-ren/BalancedMSE, file nyud2-dir/loaddata.py, commit c6f2f33; shared/reference/data/
 * nyud2-dir-train-bucket-counts.json). Bins 0–6 are 0; sum 3,513,286,656 = 50,688 × 228 × 304.
 */
export const NYUD2_TRAIN_BUCKET_NUM: readonly number[] = Object.freeze([
  0, 0, 0, 0, 0, 0, 0, 25_848_691, 24_732_940, 53_324_326, 69_112_955, 54_455_432, 95_637_682, 71_403_954, 117_244_217,
  84_813_007, 126_524_456, 84_486_706, 133_130_272, 95_464_874, 146_051_415, 146_133_612, 96_561_379, 138_366_677,
  89_680_276, 127_689_043, 81_608_990, 119_121_178, 74_360_607, 106_839_384, 97_595_765, 66_718_296, 90_661_239,
  53_103_021, 83_340_912, 51_365_604, 71_262_770, 42_243_737, 65_860_580, 38_415_940, 53_647_559, 54_038_467,
  28_335_524, 41_485_143, 32_106_001, 35_936_734, 23_966_211, 32_018_765, 19_297_203, 31_503_743, 21_681_574,
  16_363_187, 25_743_420, 12_769_509, 17_675_327, 13_147_819, 15_798_560, 9_547_180, 14_933_200, 9_663_019, 12_887_283,
  11_803_562, 7_656_609, 11_515_700, 7_756_306, 9_046_228, 5_114_894, 8_653_419, 6_859_433, 8_001_904, 6_430_700,
  3_305_839, 6_318_461, 3_486_268, 5_621_065, 4_030_498, 3_839_488, 3_220_208, 4_483_027, 2_555_777, 4_685_983,
  3_145_082, 2_951_048, 2_762_369, 2_367_581, 2_546_089, 2_343_867, 2_481_579, 1_722_140, 3_018_892, 2_325_197,
  1_952_354, 2_047_038, 1_858_707, 2_052_729, 1_348_558, 2_487_278, 1_314_198, 3_338_550, 1_132_666,
]);

/** Bins below 0.7 m hold no training pixels; the official code fills bins 0–6 from bin 7. */
export const NYUD2_BUCKET_START = 7;
export const NYUD2_BUCKET_NUM = 100;

/** Bucket centres 0.05, 0.15, …, 9.95 m (linspace(0, 10, 101)[:-1] + 0.05). */
export function nyud2BucketCenters(): number[] {
  return Array.from({ length: NYUD2_BUCKET_NUM }, (_, i) => i * 0.1 + 0.05);
}

/** TRAIN_BUCKET_NUM with bins 0–6 replaced by bin 7 (spec §1.2, §1.4, §1.7). */
export function nyud2FilledCounts(): number[] {
  const c = NYUD2_TRAIN_BUCKET_NUM.slice();
  for (let i = 0; i < NYUD2_BUCKET_START; i++) c[i] = c[NYUD2_BUCKET_START];
  return c;
}

/** A depth in metres to its bin: min(int(10·d), 99) with the multiply in float32 (spec §1.7). */
export function nyud2DepthBin(depth: number): number {
  return Math.min(Math.trunc(Math.fround(Math.fround(depth) * 10)), NYUD2_BUCKET_NUM - 1);
}
