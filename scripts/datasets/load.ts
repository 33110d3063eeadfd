/** @bmse/datasets, loaded lazily so that `--help` and argument errors do not pay for sharp and tfjs. */
export type Datasets = typeof import('@bmse/datasets');
export const loadDatasets = (): Promise<Datasets> => import('@bmse/datasets');
