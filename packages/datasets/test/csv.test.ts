import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BadSampleLog,
  DatasetError,
  readAgeCsv,
  readNyuCsv,
  resolveNyuPath,
  writeAgeCsv,
  writeNyuCsv,
} from '../src/index.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'csv-'));
});

async function csv(name: string, text: string): Promise<string> {
  const file = path.join(tmp, name);
  await fs.writeFile(file, text);
  return file;
}

describe('age CSV (age,path,split)', () => {
  it('round-trips rows, integer ages without a decimal point', async () => {
    const file = path.join(tmp, 'rt.csv');
    await writeAgeCsv(file, [
      { age: 31, path: 'imdb_crop/01/a.jpg', split: 'train' },
      { age: 4, path: 'wiki_crop/02/b,c.jpg', split: 'test' },
    ]);
    expect(await fs.readFile(file, 'utf8')).toBe(
      'age,path,split\n31,imdb_crop/01/a.jpg,train\n4,"wiki_crop/02/b,c.jpg",test\n',
    );
    const rows = await readAgeCsv(file);
    expect(rows).toEqual([
      { age: 31, path: 'imdb_crop/01/a.jpg', split: 'train', line: 2 },
      { age: 4, path: 'wiki_crop/02/b,c.jpg', split: 'test', line: 3 },
    ]);
  });

  it('accepts reordered columns', async () => {
    const rows = await readAgeCsv(await csv('order.csv', 'path,split,age\nx.jpg,val,7\n'));
    expect(rows).toEqual([{ age: 7, path: 'x.jpg', split: 'val', line: 2 }]);
  });

  it('names file, row and field for each kind of bad row', async () => {
    const f = await csv(
      'bad.csv',
      'age,path,split\n30,a.jpg,train\n31,b.jpg\nabc,c.jpg,train\n250,d.jpg,val\n-1,e.jpg,val\n5,f.jpg,dev\n',
    );
    const log = new BadSampleLog();
    const rows = await readAgeCsv(f, { onBadSample: 'skip', badSamples: log });
    expect(rows.map((r) => r.path)).toEqual(['a.jpg']);
    expect(log.items.map((b) => b.message)).toEqual([
      `${f}, row 3, field 'split': missing value (row has 2 of 3 columns)`,
      `${f}, row 4, field 'age': age 'abc' is not a number; ages must lie in [0, 200]`,
      `${f}, row 5, field 'age': age 250 is outside [0, 200]`,
      `${f}, row 6, field 'age': age -1 is outside [0, 200]`,
      `${f}, row 7, field 'split': split 'dev' is not one of train, val, test`,
    ]);
    await expect(readAgeCsv(f)).rejects.toThrow(`${f}, row 3, field 'split': missing value`);
  });

  it('with maxTarget, an age the recipe cannot bin (beyond, negative, NaN) names file, row and range', async () => {
    const f = await csv(
      'bins.csv',
      'age,path,split\n120.5,a.jpg,train\n150,b.jpg,train\n121,c.jpg,test\n-2,d.jpg,val\nNaN,e.jpg,train\n',
    );
    const log = new BadSampleLog();
    const rows = await readAgeCsv(f, { maxTarget: 121, onBadSample: 'skip', badSamples: log });
    expect(rows.map((r) => r.age)).toEqual([120.5]);
    const range = '[0, 121) (the ages the recipe bins: int(age) in 0..120)';
    expect(log.items.map((b) => b.message)).toEqual([
      `${f}, row 3, field 'age': age 150 is outside ${range}`,
      `${f}, row 4, field 'age': age 121 is outside ${range}`,
      `${f}, row 5, field 'age': age -2 is outside ${range}`,
      `${f}, row 6, field 'age': age 'NaN' is not a number; ages must lie in ${range}`,
    ]);
    await expect(readAgeCsv(f, { maxTarget: 121 })).rejects.toThrow(
      new DatasetError(`age 150 is outside ${range}`, { file: f, row: 3, field: 'age' }),
    );
  });

  it('rejects a header without the required columns', async () => {
    const f = await csv('nohdr.csv', 'age,file\n3,a.jpg\n');
    await expect(readAgeCsv(f)).rejects.toThrow(`${f}, row 1: header lacks column 'path' (found age,file)`);
    await expect(readAgeCsv(path.join(tmp, 'missing.csv'))).rejects.toThrow(/missing\.csv: cannot read CSV/);
  });

  it('reads a meta CSV without split', async () => {
    const rows = await readAgeCsv(await csv('meta.csv', 'age,path\n12,a.jpg\n'), { requireSplit: false });
    expect(rows).toEqual([{ age: 12, path: 'a.jpg', line: 2 }]);
  });
});

describe('NYUD2 CSV (no header)', () => {
  it('round-trips and strips the leading data/ component', async () => {
    const file = path.join(tmp, 'nyu.csv');
    const rows = [
      { rgb: 'data/nyu2_train/a_out/1.jpg', depth: 'data/nyu2_train/a_out/1.png' },
      { rgb: 'data/nyu2_train/b_out/2.jpg', depth: 'data/nyu2_train/b_out/2.png' },
    ];
    await writeNyuCsv(file, rows);
    expect(await fs.readFile(file, 'utf8')).toBe(
      'data/nyu2_train/a_out/1.jpg,data/nyu2_train/a_out/1.png\ndata/nyu2_train/b_out/2.jpg,data/nyu2_train/b_out/2.png\n',
    );
    expect(await readNyuCsv(file)).toEqual(rows.map((r, i) => ({ ...r, line: i + 1, index: i })));
    expect(resolveNyuPath('/d', 'data/nyu2_test/00001_depth.png')).toBe('/d/nyu2_test/00001_depth.png');
  });

  it('names the row with a missing depth column', async () => {
    const f = await csv('nyubad.csv', 'data/a.jpg,data/a.png\ndata/b.jpg\n');
    await expect(readNyuCsv(f)).rejects.toThrow(`${f}, row 2, field 'depth': missing value (row has 1 of 2 columns)`);
  });
});
