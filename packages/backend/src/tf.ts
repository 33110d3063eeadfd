/**
 * The one tfjs instance of the process. Every package imports `tf` from
 * `@bmse/backend`, never from `@tensorflow/tfjs` directly, so that kernels,
 * variables and backends registered here are the ones everybody sees.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
