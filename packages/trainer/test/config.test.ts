import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySets, ConfigError, loadConfig, resolveConfig, selectionMetric } from '../src/index.js';

const repo = path.resolve(__dirname, '../../..');
const err = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('config defaults equal the official scripts', () => {
  it('IMDB-WIKI-DIR (spec §4.1): ResNet-50, L1, Adam 1e-3 without weight decay, 90 epochs, ×0.1 at 60/80, batch 256', () => {
    const c = resolveConfig({ data: { dataset: 'imdb-wiki-dir' } });
    expect(c.model.arch).toBe('resnet50');
    expect(c.loss.name).toBe('l1');
    expect(c.optimizer).toEqual({ name: 'adam', lr: 1e-3, momentum: 0.9, weightDecay: 0 });
    expect(c.schedule).toEqual({ epochs: 90, type: 'step', milestones: [60, 80], gamma: 0.1 });
    expect(c.data.batchSize).toBe(256);
    expect(c.data.imageSize).toBe(224);
    expect(c.lds).toEqual({ enabled: false, kernel: 'gaussian', ks: 5, sigma: 1 });
    expect(c.fds).toMatchObject({
      sigma: 1,
      bucketNum: 100,
      bucketStart: 0,
      momentum: 0.9,
      startUpdate: 0,
      startSmooth: 1,
    });
    expect(c.bmse).toMatchObject({ impl: 'gai', initNoiseSigma: 1, sigmaLr: 1e-2, fixNoiseSigma: false, gmmK: 8 });
    expect(selectionMetric(c)).toBe('mae');
    // SGD gets the official --weight_decay 1e-4; Balanced MSE stage 2 selects on val bMAE
    expect(
      resolveConfig({ data: { dataset: 'imdb-wiki-dir' }, optimizer: { name: 'sgd' } }).optimizer.weightDecay,
    ).toBe(1e-4);
    expect(
      selectionMetric(resolveConfig({ data: { dataset: 'agedb-dir' }, selection: { balancedMetric: true } })),
    ).toBe('bmae');
    expect(selectionMetric(resolveConfig({ data: { dataset: 'agedb-dir' }, loss: { name: 'mse' } }))).toBe('mse');
  });

  it('NYUD2-DIR (spec §4.2): Adam 1e-4 with weight decay 1e-4, 10 epochs ×0.1 every 5, batch 32, FDS σ 2 from bucket 7, best on test RMSE', () => {
    const c = resolveConfig({ data: { dataset: 'nyud2-dir' } });
    expect(c.optimizer).toMatchObject({ name: 'adam', lr: 1e-4, weightDecay: 1e-4 });
    expect(c.schedule).toMatchObject({ epochs: 10, type: 'nyud2' });
    expect(c.data.batchSize).toBe(32);
    expect(c.fds).toMatchObject({ sigma: 2, bucketStart: 7 });
    expect(c.lds.sigma).toBe(2);
    expect(c.bmse).toMatchObject({ gmmK: 16, minDepth: 0.7 });
    expect(c.selection.split).toBe('test');
    expect(selectionMetric(c)).toBe('rmse');
  });

  it('synthetic benchmarks (spec §2.5): 1-D SGD 1e-3 cosine 2000 epochs; 2-D Adam 0.2 cosine 10,000 epochs', () => {
    const a = resolveConfig({ data: { dataset: 'synthetic-1d' } });
    expect(a.model.arch).toBe('linear');
    expect(a.optimizer).toMatchObject({ name: 'sgd', lr: 1e-3, momentum: 0.9, weightDecay: 0 });
    expect(a.schedule).toMatchObject({ epochs: 2000, type: 'cosine' });
    expect(a.evalEvery).toBe(400);
    expect(a.bmse.sigmaLr).toBe(1e-3);
    const b = resolveConfig({ data: { dataset: 'synthetic-2d' } });
    expect(b.optimizer).toMatchObject({ name: 'adam', lr: 0.2 });
    expect(b.schedule.epochs).toBe(10000);
    expect(b.bmse.sigmaLr).toBe(1e-2);
    expect(b.data.synthetic).toMatchObject({ nTrain: 1024, nVal: 256, nTest: 256 });
  });
});

describe('config errors name the field, the value and what is allowed', () => {
  it('unknown keys are errors (the official scripts ignore misspelled flags)', () => {
    const m = err(() => resolveConfig({ data: { dataset: 'imdb-wiki-dir' }, optimizer: { lrr: 0.1 } } as never));
    expect(m).toContain('optimizer.lrr: unknown option; allowed here: name, lr, momentum, weightDecay');
    expect(err(() => resolveConfig({ data: { dataset: 'imdb-wiki-dir' }, fdss: {} } as never))).toContain(
      'fdss: unknown option',
    );
  });

  it('bad enum values and types', () => {
    expect(err(() => resolveConfig({ data: { dataset: 'imdb-wiki-dir' }, bmse: { impl: 'bmx' } } as never))).toContain(
      'bmse.impl: got "bmx"; allowed: "gai", "bmc", "bni"',
    );
    expect(err(() => resolveConfig({ data: { dataset: 'imdbwiki' } } as never))).toContain(
      'data.dataset: got "imdbwiki"; allowed: "imdb-wiki-dir"',
    );
    expect(
      err(() => resolveConfig({ data: { dataset: 'imdb-wiki-dir' }, optimizer: { lr: 'fast' } } as never)),
    ).toMatch(/optimizer\.lr: .*\(got "fast"\)/);
    expect(err(() => resolveConfig({ data: { dataset: 'imdb-wiki-dir' }, lds: { ks: 4 } }))).toContain(
      'lds.ks: must be an odd integer',
    );
  });

  it('cross-field rules of the official scripts', () => {
    expect(err(() => resolveConfig({ data: { dataset: 'imdb-wiki-dir' }, lds: { enabled: true } }))).toContain(
      'reweight must be "inverse" or "sqrt_inv"',
    );
    expect(err(() => resolveConfig({ data: { dataset: 'imdb-wiki-dir' }, rrt: { enabled: true } }))).toContain(
      'rrt.enabled: regressor re-training needs model.pretrained',
    );
    expect(
      err(() => resolveConfig({ data: { dataset: 'nyud2-dir' }, bmse: { enabled: true, impl: 'bmc' } })),
    ).toContain('allowed for depth: "gai", "bni"');
    expect(err(() => resolveConfig({ data: { dataset: 'synthetic-1d' }, model: { arch: 'resnet18' } }))).toContain(
      'synthetic-1d uses the linear model',
    );
  });

  it('a YAML syntax error names the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bmse-cfg-'));
    const f = path.join(dir, 'bad.yaml');
    writeFileSync(f, 'data:\n  dataset: [unclosed\n');
    expect(err(() => loadConfig(f))).toContain(`config ${f}: not valid YAML`);
  });
});

describe('--set, extends and {seed}', () => {
  it('--set parses values as YAML and nests dotted keys', () => {
    const c = applySets({ data: { dataset: 'imdb-wiki-dir' } }, [
      'optimizer.lr=1e-4',
      'schedule.milestones=[3, 5]',
      'bmse.enabled=true',
      'row=Balanced MSE (GAI)',
    ]);
    expect(c).toEqual({
      data: { dataset: 'imdb-wiki-dir' },
      optimizer: { lr: 1e-4 },
      schedule: { milestones: [3, 5] },
      bmse: { enabled: true },
      row: 'Balanced MSE (GAI)',
    });
    expect(err(() => applySets({}, ['lr']))).toContain('expected key=value');
  });

  it('extends merges base files in order; {seed} expands in name and model.pretrained', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bmse-cfg-'));
    writeFileSync(path.join(dir, '_a.yaml'), 'data: { dataset: imdb-wiki-dir, dir: d }\noptimizer: { lr: 0.5 }\n');
    writeFileSync(path.join(dir, '_b.yaml'), 'optimizer: { lr: 0.25 }\nschedule: { epochs: 3 }\n');
    writeFileSync(
      path.join(dir, 'row.yaml'),
      'extends: [_a.yaml, _b.yaml]\nschedule: { epochs: 4 }\nrrt: { enabled: true }\nmodel:\n  pretrained: runs/v-s{seed}\n',
    );
    const c = loadConfig(path.join(dir, 'row.yaml'), ['seed=2']);
    expect(c.optimizer.lr).toBe(0.25);
    expect(c.schedule.epochs).toBe(4);
    expect(c.model.pretrained).toBe('runs/v-s2');
    expect(c.name).toBe(`${path.basename(dir)}-row-s2`);
    writeFileSync(path.join(dir, 'loop.yaml'), 'extends: loop.yaml\n');
    expect(err(() => loadConfig(path.join(dir, 'loop.yaml')))).toContain("'extends' loops back");
  });
});

describe('configs/ (one file per paper row)', () => {
  const files = ['imdb-wiki-dir', 'nyud2-dir', 'synthetic'].flatMap((d) =>
    readdirSync(path.join(repo, 'configs', d))
      .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
      .map((f) => path.join('configs', d, f)),
  );

  it('every config loads through the schema', () => {
    expect(files.length).toBe(70); // 20 IMDB-WIKI-DIR (3 end-to-end, 5 σ-sweep ablations) + 6 NYUD2-DIR rows with their *-cpu siblings, 6 CPU-only 24-epoch ablations, 12 synthetic
    for (const f of files) expect(() => loadConfig(path.join(repo, f)), f).not.toThrow();
  });

  it('full-scale rows keep the paper sizes; each has a *-cpu sibling on the synthetic stand-in', () => {
    for (const f of files.filter((x) => !x.includes('synthetic/') && !x.endsWith('-cpu.yaml'))) {
      const full = loadConfig(path.join(repo, f));
      const cpu = loadConfig(path.join(repo, f.replace('.yaml', '-cpu.yaml')));
      expect(cpu.row).toBe(full.row);
      expect(full.model.arch).toBe('resnet50');
      expect(cpu.data.dataset).toBe(full.data.dataset === 'nyud2-dir' ? 'synthetic-depth' : 'synthetic-age');
      expect({ bmse: cpu.bmse, reweight: cpu.reweight, lds: cpu.lds, fds: cpu.fds, rrt: cpu.rrt }).toEqual({
        bmse: full.bmse,
        reweight: full.reweight,
        lds: full.lds,
        fds: full.fds,
        rrt: full.rrt,
      });
    }
    const gai = loadConfig(path.join(repo, 'configs/imdb-wiki-dir/gai.yaml'), ['seed=1']);
    // Balanced MSE README stage 2 (spec §9 item 1)
    expect(gai).toMatchObject({
      bmse: { enabled: true, impl: 'gai', initNoiseSigma: 10, sigmaLr: 0.01, fixNoiseSigma: false },
      rrt: { enabled: true },
      optimizer: { lr: 1e-4 },
      schedule: { epochs: 10 },
      model: { pretrained: 'runs/imdb-wiki-dir-vanilla-s1' },
    });
    expect(selectionMetric(gai)).toBe('bmae');
    expect(loadConfig(path.join(repo, 'configs/nyud2-dir/bni.yaml')).bmse).toMatchObject({
      impl: 'bni',
      initNoiseSigma: 1,
      fixNoiseSigma: true,
    });
  });
});
