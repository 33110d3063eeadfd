/** Reads the fields of `runs/<name>/config.yaml` the report needs: name, row (paper-row label), seed, data.dataset. */
import fs from 'node:fs/promises';
import { parse } from 'yaml';
import { DATASETS, type Dataset, isDataset } from './datasets.js';
import { ReportError } from './errors.js';
import { asInteger, asObject, asString, required } from './fields.js';

export interface RunConfig {
  name: string;
  row: string;
  seed: number;
  dataset: Dataset;
}

/** Validates an already parsed config; `file` is used in error messages. */
export function parseRunConfig(file: string, doc: unknown): RunConfig {
  const top = asObject(file, '', doc);
  const name = asString(file, 'name', required(file, top, '', 'name'));
  const row = asString(file, 'row', required(file, top, '', 'row'));
  const seed = asInteger(file, 'seed', required(file, top, '', 'seed'));
  const data = asObject(file, 'data', required(file, top, '', 'data'));
  const dataset = required(file, data, 'data', 'dataset');
  if (!isDataset(dataset)) {
    throw new ReportError(
      `${file}: field "data.dataset" is ${JSON.stringify(dataset)}; expected one of ${DATASETS.join(', ')}`,
    );
  }
  return { name, row, seed, dataset };
}

export async function readRunConfig(file: string): Promise<RunConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new ReportError(`${file}: cannot read the run config (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ReportError(`${file}: malformed YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseRunConfig(file, doc);
}
