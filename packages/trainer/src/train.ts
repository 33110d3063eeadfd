/**
 * The training loop (spec §4): per epoch set the scheduled learning rate, train on every batch
 * (σ's gradient goes to its own optimizer), run the FDS statistics pass, evaluate the selection
 * split, keep `best` and `last` checkpoints, log; at the end evaluate the best checkpoint on the
 * test (and val) split. Everything random is keyed by (seed, epoch, sample), so a run resumed
 * from `last` reproduces an uninterrupted one.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { leanVariableGrads, tf } from '@bmse/backend';
import { type BmseNet, CheckpointError, freezeForRrt, loadCheckpoint, saveCheckpoint } from '@bmse/models';
import { ConfigError, configToYaml, selectionMetric } from './config/load.js';
import type { RunConfig } from './config/schema.js';
import { ensureDataset } from './data/prepare.js';
import { openTaskData, type TaskData } from './data/task-data.js';
import { evaluate, selectionValue } from './eval/evaluate.js';
import { type EvalRecord, writeEvalRecord } from './eval/record.js';
import { formatShotTable } from './eval/shot-table.js';
import { balancedPixels, type Criterion, createCriterion } from './loss/criterion.js';
import { createNet, initialiseNet } from './model/build.js';
import {
  createOptimizer,
  type ModelOptimizer,
  optimizerStateFromJson,
  optimizerStateToJson,
} from './optim/optimizer.js';
import { learningRateAt } from './optim/schedule.js';
import { writeFileAtomic } from './run/atomic-file.js';
import { damagedLastError } from './run/damaged-last.js';
import { createReporter, type Reporter } from './run/progress.js';
import { type EpochRow, RunFiles } from './run/run-files.js';

export interface TrainOptions {
  config: RunConfig;
  runDir: string;
  /** continue from runDir/checkpoints/last */
  resume?: boolean;
  reporter?: Reporter;
  /** set `stop` (e.g. on SIGINT): `last` is saved at the next step boundary and train() returns */
  stopSignal?: { stop: boolean };
  /** the backend name recorded in eval files (default: tf.getBackend()) */
  backend?: string;
}

export interface TrainResult {
  status: 'completed' | 'interrupted' | 'diverged';
  runDir: string;
  epoch: number;
  step: number;
  best: { epoch: number; value: number } | null;
  message?: string;
  test?: EvalRecord;
}

/** Stops training: the loss is not finite or explodes (official assert: finite and ≤ 1e6). */
export class TrainingDivergedError extends Error {}

interface Position {
  epoch: number;
  batch: number;
}

interface RunState {
  step: number;
  position: Position;
  history: EpochRow[];
  best: { epoch: number; value: number } | null;
  /** the unfinished epoch's sums (a checkpoint saved mid-epoch on SIGINT) */
  partial: { lossSum: number; count: number; seconds: number };
}

const checkpointDir = (runDir: string, which: 'last' | 'best') => path.join(runDir, 'checkpoints', which);

/** Prepares runs/<name>: refuses to overwrite a run unless resuming; writes config.yaml. */
function prepareRunDir(c: RunConfig, runDir: string, resume: boolean): void {
  const last = checkpointDir(runDir, 'last');
  if (!resume && existsSync(path.join(last, 'model.json')))
    throw new ConfigError(
      `${runDir} already holds a run (checkpoints/last). Continue it with: pnpm run train --resume ${runDir}  — or pick another --out / name`,
    );
  if (resume && !existsSync(path.join(last, 'model.json')))
    throw new ConfigError(`--resume ${runDir}: there is no checkpoints/last/model.json to continue from`);
  try {
    mkdirSync(runDir, { recursive: true });
    if (!resume) writeFileAtomic(path.join(runDir, 'config.yaml'), configToYaml(c));
  } catch (e) {
    throw new ConfigError(`cannot write the run folder ${runDir}: ${(e as Error).message}`);
  }
}

async function saveState(
  dir: string,
  net: BmseNet,
  opt: ModelOptimizer,
  criterion: Criterion,
  c: RunConfig,
  s: RunState,
): Promise<void> {
  const sigmaOpt = criterion.balanced?.sigmaOptimizer;
  try {
    await saveCheckpoint(dir, {
      model: net,
      epoch: s.position.epoch,
      step: s.step,
      optimizer: opt.optimizer,
      sigma: await readSigma(criterion),
      rng: { seed: c.seed, keyedBy: 'seed, epoch, sample' },
      config: c,
      extra: {
        position: s.position,
        history: s.history,
        best: s.best,
        partial: s.partial,
        sigmaOptimizer: sigmaOpt ? await optimizerStateToJson(sigmaOpt) : null,
      },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOSPC'
        ? 'no space left on device'
        : code === 'EACCES' || code === 'EROFS'
          ? 'not writable'
          : (e as Error).message;
    throw new ConfigError(`cannot write checkpoint ${dir}: ${why}; the previous checkpoint there is intact`);
  }
}

async function restoreState(dir: string, net: BmseNet, opt: ModelOptimizer, criterion: Criterion): Promise<RunState> {
  const loaded = await loadCheckpoint(dir, { model: net, optimizer: opt.optimizer });
  const extra = loaded.extra as Partial<RunState> & {
    sigmaOptimizer?: Parameters<typeof optimizerStateFromJson>[1] | null;
  };
  if (criterion.balanced && loaded.sigma != null) criterion.balanced.setSigma(loaded.sigma);
  const sigmaOpt = criterion.balanced?.sigmaOptimizer;
  if (sigmaOpt && extra.sigmaOptimizer) await optimizerStateFromJson(sigmaOpt, extra.sigmaOptimizer);
  return {
    step: loaded.step,
    position: extra.position ?? { epoch: loaded.epoch, batch: 0 },
    history: extra.history ?? [],
    best: extra.best ?? null,
    partial: extra.partial ?? { lossSum: 0, count: 0, seconds: 0 },
  };
}

/**
 * σ of a Balanced MSE criterion as a number (null for a plain criterion). Read with `await`: the
 * webgpu backend cannot read GPU memory synchronously in Node. The same float32 value as `sigma()`.
 */
async function readSigma(criterion: Criterion): Promise<number | null> {
  return criterion.balanced ? (await criterion.balanced.noiseSigma.data())[0] : null;
}

/**
 * One optimisation step; returns the batch loss (null: a depth batch with no pixel the loss
 * sees) and σ after the update. Every read is asynchronous (webgpu); the loss and σ are read
 * together after the update is queued, so a GPU backend waits once per step. A diverged loss
 * ends the run before anything is saved, so that its update was applied does not matter.
 */
async function trainStep(
  net: BmseNet,
  criterion: Criterion,
  opt: ModelOptimizer,
  c: RunConfig,
  data: TaskData,
  b: { x: tf.Tensor; y: tf.Tensor; w?: tf.Tensor },
  epoch: number,
): Promise<{ loss: number | null; sigma: number | null }> {
  const balancedDepth = data.family === 'depth' && criterion.balanced !== null;
  // labels on the host, for FDS's bins and the depth mask (read before any kernel moves them to a GPU)
  const labels = net.fds || balancedDepth ? await b.y.data() : null;
  const keep = balancedDepth ? balancedPixels(labels as tf.TypedArray, c.bmse.minDepth) : undefined;
  // no pixel ≥ minDepth in this batch: nothing to learn from
  if (keep === null) return { loss: null, sigma: await readSigma(criterion) };
  const vars = net.trainableVariables();
  const sigma = criterion.balanced;
  if (sigma?.learnable) vars.push(sigma.noiseSigma);
  try {
    // same gradients as tf.variableGrads, with the backward pass's memory released as it goes
    const { value, grads } = leanVariableGrads(() => {
      const { pred } = net.forward(b.x, { training: true, targets: net.fds ? (labels as tf.TypedArray) : b.y, epoch });
      return criterion.loss(pred, b.y, b.w, keep);
    }, vars);
    let read: [tf.TypedArray, tf.TypedArray | null];
    try {
      opt.apply(sigma ? sigma.applySigmaGradient(grads) : grads);
      read = await Promise.all([value.data(), sigma ? sigma.noiseSigma.data() : null]);
    } finally {
      value.dispose();
    }
    const loss = read[0][0];
    if (!Number.isFinite(loss) || loss > c.loss.maxLoss) {
      throw new TrainingDivergedError(
        `loss is ${loss} at epoch ${epoch + 1} (limit: finite and ≤ loss.maxLoss = ${c.loss.maxLoss}); try a lower optimizer.lr`,
      );
    }
    return { loss, sigma: read[1] ? read[1][0] : null };
  } finally {
    keep?.dispose();
  }
}

async function fdsPass(net: BmseNet, data: TaskData, c: RunConfig, epoch: number): Promise<void> {
  const fds = net.fds;
  if (!fds || epoch < c.fds.startUpdate) return;
  // spec §1.7 FDS: no-grad pass in train mode, then update_last_epoch_stats, update_running_stats
  fds.beginEpoch();
  for await (const b of data.fdsPass(epoch)) {
    try {
      const labels = await b.y.data();
      const { pred, features, calibrated } = net.forward(b.x, { training: true, targets: labels, epoch });
      const values = (await features.data()) as Float32Array;
      tf.dispose([pred, features, calibrated]); // calibrated is features itself before fds.startSmooth
      fds.accumulate(values, labels);
    } finally {
      tf.dispose([b.x, b.y]);
    }
  }
  fds.updateLastEpochStats(epoch);
  fds.commitRunningStats(epoch);
}

async function linearParams(net: BmseNet): Promise<EvalRecord['linear']> {
  if (net.spec.kind !== 'linear') return undefined;
  const [w, b] = await Promise.all(net.namedWeights().map((v) => v.variable.array()));
  return { weight: w as number[][], bias: b as number[] };
}

/** Evaluates `net` on a split and writes runDir/eval/<split>.json. */
export async function evaluateAndRecord(
  net: BmseNet,
  data: TaskData,
  c: RunConfig,
  split: 'val' | 'test',
  meta: { runDir: string; checkpoint: string; epoch: number; backend: string },
): Promise<EvalRecord> {
  const e = await evaluate(net, data, split, c);
  const record: EvalRecord = {
    dataset: c.data.dataset,
    split,
    checkpoint: meta.checkpoint,
    name: c.name,
    row: c.row,
    seed: c.seed,
    epoch: meta.epoch,
    backend: meta.backend,
    metrics: e.metrics,
    perLabel: e.perLabel,
    trainHistogram: e.trainHistogram,
    ...(e.predictions ? { predictions: e.predictions, linear: await linearParams(net) } : {}),
  };
  writeEvalRecord(meta.runDir, record);
  return record;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const c = opts.config;
  const runDir = opts.runDir;
  const reporter = opts.reporter ?? createReporter(c.printFreq);
  const stop = opts.stopSignal ?? { stop: false };
  const backend = opts.backend ?? tf.getBackend();
  prepareRunDir(c, runDir, opts.resume ?? false);
  const files = new RunFiles(runDir);
  await ensureDataset(c, (l) => reporter.info(l));
  const data = await openTaskData(c);
  for (const note of data.notes) reporter.info(note);
  const net = createNet(c, data);
  const out = net.model.outputs[0].shape;
  if (
    data.family === 'depth' &&
    data.targetShape &&
    !tf.util.arraysEqual(out.slice(1, 3) as number[], data.targetShape)
  )
    throw new Error(`depth net output [${out}] does not match the training depth maps [${data.targetShape}]`);
  const criterion = createCriterion(c, data);
  const opt = createOptimizer(c);
  const metric = selectionMetric(c);
  const selectSplit = data.hasSplit(c.selection.split) ? c.selection.split : 'test';
  let state: RunState = {
    step: 0,
    position: { epoch: 0, batch: 0 },
    history: [],
    best: null,
    partial: { lossSum: 0, count: 0, seconds: 0 },
  };
  try {
    if (opts.resume) {
      state = await restoreState(checkpointDir(runDir, 'last'), net, opt, criterion).catch(async (e: unknown) => {
        throw e instanceof CheckpointError ? await damagedLastError(runDir, e) : e;
      });
      // trainability is not part of the weights: re-apply the RRT freeze
      if (c.rrt.enabled) freezeForRrt(net);
      files.truncateMetricsAfter(state.step, state.position.epoch);
      files.writeSummary(state.history);
      reporter.info(
        `resuming ${runDir} at epoch ${state.position.epoch + 1}, batch ${state.position.batch} (step ${state.step})`,
      );
    } else {
      for (const note of await initialiseNet(net, c)) reporter.info(note);
      files.writeSummary([]);
      files.appendMetrics({
        type: 'start',
        name: c.name,
        dataset: c.data.dataset,
        backend,
        time: new Date().toISOString(),
      });
    }
    reporter.info(
      `${c.name}: ${c.data.dataset} (${data.trainSize} train samples, ${data.stepsPerEpoch} steps/epoch), ${c.model.arch} ` +
        `(${net.countTrainableParameters()} trainable parameters), ${criterion.description}, ${c.optimizer.name} lr ${c.optimizer.lr}, ` +
        `${c.schedule.epochs} epochs, selection: ${selectSplit} ${metric}, backend ${backend}`,
    );

    // loss, samples and seconds since the last summary row (one row per evaluated epoch)
    let acc = { ...state.partial };
    for (let epoch = state.position.epoch; epoch < c.schedule.epochs; epoch++) {
      const lr = learningRateAt(c, epoch);
      opt.setLearningRate(lr);
      const evaluated = (epoch + 1) % c.evalEvery === 0 || epoch + 1 === c.schedule.epochs;
      const skip = state.position.batch;
      reporter.startEpoch(epoch, c.schedule.epochs, data.stepsPerEpoch, skip, evaluated || data.family !== 'linear');
      let t0 = performance.now();
      let done = 0;
      for await (const b of data.train(epoch)) {
        done++;
        if (done <= skip) {
          tf.dispose([b.x, b.y, b.w as tf.Tensor]);
          continue;
        }
        let loss: number | null;
        let sigma: number | null;
        try {
          ({ loss, sigma } = await trainStep(net, criterion, opt, c, data, b, epoch));
        } finally {
          tf.dispose([b.x, b.y, b.w as tf.Tensor]);
        }
        state.step++;
        if (loss !== null) {
          acc.lossSum += loss * b.n;
          acc.count += b.n;
        }
        const now = performance.now();
        acc.seconds += (now - t0) / 1000;
        t0 = now;
        const status = {
          loss: acc.count ? acc.lossSum / acc.count : Number.NaN,
          sigma2: sigma === null ? null : sigma ** 2,
          lr,
          imagesPerSecond: acc.count / Math.max(acc.seconds, 1e-9),
        };
        reporter.step(done, status);
        await new Promise(setImmediate); // let signal handlers (SIGINT) run between steps
        if (state.step % c.printFreq === 0)
          files.appendMetrics({ type: 'step', epoch, step: state.step, batchLoss: loss, ...status });
        if (stop.stop && done < data.stepsPerEpoch) {
          state.position = { epoch, batch: done };
          state.partial = acc;
          reporter.endEpoch();
          await saveState(checkpointDir(runDir, 'last'), net, opt, criterion, c, state);
          reporter.info(
            `interrupted: saved ${checkpointDir(runDir, 'last')} at epoch ${epoch + 1}, batch ${done}; continue with --resume ${runDir}`,
          );
          return { status: 'interrupted', runDir, epoch, step: state.step, best: state.best };
        }
      }
      reporter.endEpoch();
      await fdsPass(net, data, c, epoch);
      state.position = { epoch: epoch + 1, batch: 0 };
      state.partial = { ...acc };
      if (!evaluated) continue;
      const e = await evaluate(net, data, selectSplit, c);
      const value = selectionValue(e.metrics, metric);
      const isBest = state.best === null || value < state.best.value;
      if (isBest) state.best = { epoch: epoch + 1, value };
      const row: EpochRow = {
        epoch: epoch + 1,
        lr,
        sigma: await readSigma(criterion),
        train_loss: acc.count ? acc.lossSum / acc.count : Number.NaN,
        val_metric: value,
        best: isBest,
        images_per_s: acc.count / Math.max(acc.seconds, 1e-9),
        seconds: acc.seconds,
      };
      state.history.push(row);
      acc = { lossSum: 0, count: 0, seconds: 0 };
      state.partial = { ...acc };
      if (isBest) await saveState(checkpointDir(runDir, 'best'), net, opt, criterion, c, state);
      await saveState(checkpointDir(runDir, 'last'), net, opt, criterion, c, state);
      files.writeSummary(state.history);
      files.appendMetrics({ type: 'epoch', ...row, split: selectSplit, metric, metrics: e.metrics.all });
      reporter.info(
        `epoch ${epoch + 1}/${c.schedule.epochs}: train loss ${row.train_loss.toFixed(4)}, ${selectSplit} ${metric} ${value.toFixed(4)}` +
          `${isBest ? ' (best)' : ''}, ${row.images_per_s.toFixed(1)} samples/s`,
      );
      if (stop.stop) {
        reporter.info(`interrupted after epoch ${epoch + 1}; continue with --resume ${runDir}`);
        return { status: 'interrupted', runDir, epoch: epoch + 1, step: state.step, best: state.best };
      }
    }

    // final: the best checkpoint on test (and val) — spec §4.1 "reload the best and evaluate on test"
    const bestDir = existsSync(path.join(checkpointDir(runDir, 'best'), 'model.json'))
      ? checkpointDir(runDir, 'best')
      : checkpointDir(runDir, 'last');
    const loaded = await loadCheckpoint(bestDir, { model: net });
    let test: EvalRecord | undefined;
    for (const split of ['val', 'test'] as const) {
      if (!data.hasSplit(split)) continue;
      const r = await evaluateAndRecord(net, data, c, split, {
        runDir,
        checkpoint: bestDir,
        epoch: loaded.epoch,
        backend,
      });
      if (split === 'test') test = r;
    }
    files.appendMetrics({ type: 'final', bestEpoch: state.best?.epoch ?? null, test: test?.metrics.all ?? null });
    if (test)
      reporter.info(formatShotTable(test.metrics, `\n${c.name} — test, best epoch ${loaded.epoch} (${bestDir})`));
    return { status: 'completed', runDir, epoch: c.schedule.epochs, step: state.step, best: state.best, test };
  } catch (e) {
    if (e instanceof TrainingDivergedError) {
      files.appendMetrics({ type: 'error', step: state.step, message: e.message });
      reporter.info(`training stopped: ${e.message}. The last good checkpoint is ${checkpointDir(runDir, 'last')}`);
      return {
        status: 'diverged',
        runDir,
        epoch: state.position.epoch,
        step: state.step,
        best: state.best,
        message: e.message,
      };
    }
    throw e;
  } finally {
    reporter.close();
    net.dispose();
    criterion.dispose();
    opt.dispose();
  }
}
