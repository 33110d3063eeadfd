/**
 * `pnpm run data <dataset> --dir <path>`: what the official instructions download (spec §2.1–§2.3), extraction,
 * and a layout check. IMDB-WIKI comes from the ETH site, NYUD2-DIR from Google Drive (as gdown); AgeDB is behind
 * a password and the official split CSVs live in the repos: the steps to fetch those by hand are printed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { readAgeCsv, writeAgeCsv } from '../csv/age-csv.js';
import { NYUD2_FILES } from '../nyud2-dataset.js';
import { makeBalancedSplit } from '../splits/balanced-split.js';
import { download } from './download.js';
import { extractArchive } from './extract.js';
import { downloadGdrive, gdriveUrl, NYUD2_GDRIVE_ID, normalizeGdriveUrl } from './gdrive.js';

export type DatasetName = 'imdb-wiki-dir' | 'nyud2-dir' | 'agedb-dir';

export interface PrepareOptions {
  dir: string;
  /** an archive already fetched by hand (NYUD2 zip, AgeDB zip) */
  archive?: string;
  /** replaces the official download host: the ETH site, or Google Drive for NYUD2 (tests use a 127.0.0.1 server) */
  baseUrl?: string;
  /**
   * NYUD2-DIR: where the zip comes from instead of the official Drive file (`NYUD2_GDRIVE_ID`): a Drive link or
   * file id (confirmation pages are followed as gdown does) or any direct URL of the same zip
   */
  url?: string;
  /** false: download nothing, only extract `archive`, check the layout and print the steps (default true) */
  download?: boolean;
  log?: (line: string) => void;
  progress?: boolean;
}

/** ETH face crops, as `imdb-wiki-dir/download_imdb_wiki.py`. */
export const IMDB_WIKI_URLS = ['imdb_crop.tar', 'wiki_crop.tar'].map(
  (f) => `https://data.vision.ee.ethz.ch/cvl/rrothe/imdb-wiki/static/${f}`,
);

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/** Missing entries of a dataset folder (empty when the layout is complete). */
export async function checkLayout(name: DatasetName, dir: string): Promise<string[]> {
  const need: Record<DatasetName, string[]> = {
    'imdb-wiki-dir': ['imdb_crop', 'wiki_crop', 'imdb_wiki.csv'],
    'agedb-dir': ['AgeDB', 'agedb.csv'],
    'nyud2-dir': [NYUD2_FILES.train, NYUD2_FILES.test, NYUD2_FILES.mask, NYUD2_FILES.fds, 'nyu2_train', 'nyu2_test'],
  };
  const missing: string[] = [];
  for (const f of need[name]) if (!(await exists(path.join(dir, f)))) missing.push(f);
  return missing;
}

export async function prepareDataset(name: DatasetName, opts: PrepareOptions): Promise<{ missing: string[] }> {
  const log = opts.log ?? ((l: string) => console.log(l));
  await fs.mkdir(opts.dir, { recursive: true });
  const fetchAllowed = opts.download ?? true;
  if (name === 'imdb-wiki-dir') {
    for (const url of fetchAllowed ? IMDB_WIKI_URLS : []) {
      const src = opts.baseUrl ? `${opts.baseUrl}/${path.basename(url)}` : url;
      const tarFile = path.join(opts.dir, path.basename(url));
      const folder = path.join(opts.dir, path.basename(url, '.tar'));
      if (await exists(folder)) {
        log(`${folder} exists, skipping ${path.basename(url)}`);
        continue;
      }
      log(`downloading ${src}`);
      const r = await download(src, tarFile, { progress: opts.progress });
      log(`${tarFile}: ${r.bytes} bytes${r.resumedFrom ? ` (resumed at ${r.resumedFrom})` : ''}; extracting`);
      await extractArchive(tarFile, opts.dir);
      await fs.rm(tarFile);
    }
    if (!fetchAllowed)
      log(`downloads are off: fetch ${IMDB_WIKI_URLS.join(' and ')} and extract them into ${opts.dir}`);
    if (!(await exists(path.join(opts.dir, 'imdb_wiki.csv'))))
      log(
        'imdb_wiki.csv (the official balanced split, age,path,split) is not downloadable from the ETH site: copy it from the official repo ' +
          'jiawei-ren/BalancedMSE, file imdb-wiki-dir/data/imdb_wiki.csv, into ' +
          path.join(opts.dir, 'imdb_wiki.csv'),
      );
  } else if (name === 'nyud2-dir') {
    const byHand =
      'the official script is nyud2-dir/download_nyud2.py (gdown, Google Drive file ' +
      NYUD2_GDRIVE_ID +
      '); with the zip at hand run `pnpm run data nyud2-dir --dir ' +
      opts.dir +
      ' --archive <the zip>`. The zip holds nyu2_train/, nyu2_test/, nyu2_train.csv, nyu2_test.csv, ' +
      'nyu2_train_FDS_subset.csv and test_balanced_mask.npy (under data/).';
    let archive = opts.archive;
    if (!archive && (await checkLayout(name, opts.dir)).length === 0) log(`${opts.dir} already holds NYUD2-DIR`);
    else if (!archive && !fetchAllowed) log(`downloads are off: ${byHand}`);
    else if (!archive) {
      const src = opts.url ? normalizeGdriveUrl(opts.url) : gdriveUrl(NYUD2_GDRIVE_ID, opts.baseUrl);
      archive = path.join(opts.dir, 'data.zip');
      log(`downloading NYUD2-DIR (several GB) from ${src} to ${archive}`);
      try {
        const r = await downloadGdrive(src, archive, { progress: opts.progress, label: 'data.zip' });
        log(`${archive}: ${r.bytes} bytes${r.resumedFrom ? ` (resumed at ${r.resumedFrom})` : ''}`);
      } catch (e) {
        throw new Error(
          `NYUD2-DIR download failed: ${(e as Error).message}\nRun the command again to resume, or: ${byHand}`,
          {
            cause: e,
          },
        );
      }
    }
    if (archive) {
      log(`extracting ${archive}`);
      await extractArchive(archive, opts.dir);
      await flattenDataFolder(opts.dir);
      if (!opts.archive) await fs.rm(archive);
    }
  } else {
    if (opts.archive) {
      log(`extracting ${opts.archive} (AgeDB's zip is password protected: unzip it by hand if this fails)`);
      await extractArchive(opts.archive, opts.dir);
    } else
      log(
        'AgeDB must be requested from its authors (ibug.doc.ic.ac.uk/resources/agedb); the zip is password protected. ' +
          `Unzip it so that the images are in ${path.join(opts.dir, 'AgeDB')}, then run this command again. ` +
          'For the paper split copy agedb.csv from the DIR repo YyzHarry/imbalanced-regression, file agedb-dir/data/agedb.csv.',
      );
    if ((await exists(path.join(opts.dir, 'AgeDB'))) && !(await exists(path.join(opts.dir, 'agedb.csv')))) {
      const n = await buildAgeDbCsv(opts.dir);
      log(`wrote agedb.csv (${n} images, balanced split max_size 30, seeded; not the official split)`);
    }
  }
  const missing = await checkLayout(name, opts.dir);
  log(
    missing.length ? `still missing in ${opts.dir}: ${missing.join(', ')}` : `${name} layout complete in ${opts.dir}`,
  );
  return { missing };
}

/** Archives that wrap everything in `data/` are flattened into `dir`. */
async function flattenDataFolder(dir: string): Promise<void> {
  const inner = path.join(dir, 'data');
  if (!(await exists(path.join(inner, NYUD2_FILES.train)))) return;
  for (const e of await fs.readdir(inner)) await fs.rename(path.join(inner, e), path.join(dir, e));
  await fs.rmdir(inner);
}

/** `agedb-dir/data/create_agedb.py` + `preprocess_agedb.py`: ages from `id_name_age_gender.jpg`, balanced split (max_size 30). */
export async function buildAgeDbCsv(dir: string, seed = 666): Promise<number> {
  const files = (await fs.readdir(path.join(dir, 'AgeDB'))).filter((f) => /\.jpe?g$/i.test(f)).sort();
  const rows = files.flatMap((f) => {
    const age = Number(f.split('_')[2]);
    return Number.isFinite(age) ? [{ age, path: `AgeDB/${f}` }] : [];
  });
  await writeAgeCsv(path.join(dir, 'agedb.csv'), makeBalancedSplit(rows, { maxSize: 30, seed }));
  await readAgeCsv(path.join(dir, 'agedb.csv'));
  return rows.length;
}
