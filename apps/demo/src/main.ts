/** The live demo page: sliders → training set → four regressors trained side by side, charts and test table updated live. */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { changeset } from 'vega';
import embed, { type Result } from 'vega-embed';
import { pickBackend } from './backend.js';
import { densitySpec, fitSpec, histogramSpec } from './charts.js';
import { BIN_EDGES, binCountsOf, NUM_BINS, type Sample, testSet, trainingSet } from './data.js';
import { REGIONS, regionMse } from './evaluate.js';
import { createRegressors, disposeRegressor, line, predictTensor, type Regressor, step } from './methods.js';
import { type DemoState, hashOf, stateFromHash } from './state.js';

const TRAIN_SIZE = 1000;
const TEST_SIZE = 1000;
const BATCH = 256;
const LR = 0.05;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state: DemoState = stateFromHash(location.hash);
let train: Sample | null = null;
let test: Sample | null = null;
let running = false;
let stopRequested = false;
const views: Record<string, Result> = {};

function setMessage(text: string): void {
  $('message').textContent = text;
}

function replace(view: string, name: string, values: object[]): void {
  const v = views[view]?.view;
  if (!v) return;
  v.change(
    name,
    changeset()
      .remove(() => true)
      .insert(values),
  ).run();
}

function buildSliders(): void {
  const box = $('sliders');
  box.replaceChildren();
  for (let i = 0; i < NUM_BINS; i++) {
    const row = document.createElement('label');
    row.className = 'slider';
    const name = document.createElement('span');
    name.textContent = `[${BIN_EDGES[i]}, ${BIN_EDGES[i + 1]})`;
    const input = document.createElement('input');
    Object.assign(input, {
      type: 'range',
      min: '0',
      max: '100',
      step: '0.1',
      value: String(state.percentages[i]),
      id: `p${i}`,
    });
    input.setAttribute('aria-label', `label percentage in [${BIN_EDGES[i]}, ${BIN_EDGES[i + 1]})`);
    const out = document.createElement('output');
    out.textContent = String(state.percentages[i]);
    input.addEventListener('input', () => {
      state.percentages[i] = Number(input.value);
      out.textContent = input.value;
      syncUrl();
    });
    row.append(name, input, out);
    box.append(row);
  }
}

function readControls(): void {
  state.seed = Math.max(0, Math.trunc(Number(($('seed') as HTMLInputElement).value) || 0));
  state.epochs = Math.min(1000, Math.max(1, Math.trunc(Number(($('epochs') as HTMLInputElement).value) || 100)));
  state.learnableSigma = ($('learnable') as HTMLInputElement).checked;
  state.dims = ($('dims') as HTMLSelectElement).value === '2' ? 2 : 1;
}

function writeControls(): void {
  ($('seed') as HTMLInputElement).value = String(state.seed);
  ($('epochs') as HTMLInputElement).value = String(state.epochs);
  ($('learnable') as HTMLInputElement).checked = state.learnableSigma;
  ($('dims') as HTMLSelectElement).value = String(state.dims);
}

function syncUrl(): void {
  history.replaceState(null, '', hashOf(state));
}

async function drawTrainingSet(): Promise<void> {
  readControls();
  syncUrl();
  if (state.percentages.every((p) => p === 0)) {
    setMessage('Set at least one bin above 0 %.');
    return;
  }
  train = trainingSet(state.percentages, TRAIN_SIZE, state.seed, state.dims);
  test = testSet(TEST_SIZE, state.seed, state.dims);
  await embedCharts();
  const shown = train.x.slice(0, 600).map((x, i) => ({ x: x[0], y: (train as Sample).y[i][0] }));
  replace('fit', 'points', state.dims === 1 ? shown : []);
  replace('fit', 'lines', [oracle()].flat());
  replace(
    'histogram',
    'histogram',
    binCountsOf(train.y).map((count, i) => ({ bin: `[${BIN_EDGES[i]}, ${BIN_EDGES[i + 1]})`, count })),
  );
  replace(
    'density',
    'density',
    train.y.map((y) => ({ method: 'Training labels', value: y[0] })),
  );
  $('epoch').textContent = 'epoch 0';
  renderTable([]);
  setMessage(`${TRAIN_SIZE} training samples drawn (seed ${state.seed}).`);
}

const oracle = () => [
  { method: 'Oracle', x: -3, y: -3 },
  { method: 'Oracle', x: 13, y: 13 },
];

async function embedCharts(): Promise<void> {
  const opts = { actions: false, renderer: 'svg' as const };
  for (const v of Object.values(views)) v.finalize();
  views.fit = await embed('#fit', fitSpec(state.dims), opts);
  views.histogram = await embed('#histogram', histogramSpec(), opts);
  views.density = await embed('#density', densitySpec(), opts);
}

/** Fitted lines (1-D) or mean prediction per true-label bin of the test set (2-D). */
function lineData(regs: Regressor[], testPreds: Map<string, number[][]>): object[] {
  if (state.dims === 1) {
    return regs.flatMap((r) => {
      const { slope, intercept } = line(r);
      return [-3, 13].map((x) => ({ method: r.name, x, y: slope * x + intercept }));
    });
  }
  const t = test as Sample;
  return regs.flatMap((r) => {
    const preds = testPreds.get(r.name) as number[][];
    return Array.from({ length: 10 }, (_, b) => {
      const idx = t.y
        .map((y, i) => [y[0], i] as const)
        .filter(([y]) => Math.floor(y) === b)
        .map(([, i]) => i);
      const mean = idx.reduce((s, i) => s + preds[i][0], 0) / Math.max(1, idx.length);
      return { method: r.name, x: b + 0.5, y: mean };
    });
  });
}

function renderTable(
  rows: { name: string; slope: number | null; sigma: number | null; mse: Record<string, number | null> }[],
): void {
  const body = ($('test-table') as HTMLTableElement).tBodies[0];
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement('tr');
    tr.dataset.method = r.name;
    const cells: [string, string][] = [
      ['method', r.name],
      ['slope', r.slope === null ? '–' : r.slope.toFixed(3)],
      ['sigma', r.sigma === null ? '–' : r.sigma.toFixed(3)],
      ...REGIONS.map((g) => [g, r.mse[g] === null ? '–' : (r.mse[g] as number).toFixed(3)] as [string, string]),
    ];
    for (const [key, text] of cells) {
      const td = document.createElement(key === 'method' ? 'th' : 'td');
      td.dataset.col = key;
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
}

async function regress(): Promise<void> {
  if (running) {
    stopRequested = true;
    return;
  }
  readControls();
  if (!train || !test || train.y[0].length !== state.dims) await drawTrainingSet();
  const tr = train as Sample;
  const te = test as Sample;
  running = true;
  stopRequested = false;
  $('start').textContent = 'Stop';
  ($('draw') as HTMLButtonElement).disabled = true;
  const regs = createRegressors(tr, { learnableSigma: state.learnableSigma, lr: LR, batchSize: BATCH }, state.seed);
  const x = tf.tensor2d(tr.x);
  const y = tf.tensor2d(tr.y);
  const xTest = tf.tensor2d(te.x);
  const order = seedrandom(`order-${state.seed}`);
  const indices = Int32Array.from(tr.y, (_, i) => i);
  const started = performance.now();
  let epoch = 0;
  try {
    for (epoch = 1; epoch <= state.epochs && !stopRequested; epoch++) {
      for (let i = indices.length - 1; i > 0; i--) {
        const j = Math.floor(order() * (i + 1));
        [indices[i], indices[j]] = [indices[j], indices[i]];
      }
      for (let s = 0; s < indices.length; s += BATCH) {
        const idx = tf.tensor1d(indices.slice(s, Math.min(indices.length, s + BATCH)), 'int32');
        for (const r of regs) step(r, x, y, idx);
        idx.dispose();
      }
      $('epoch').textContent = `epoch ${epoch} / ${state.epochs}`;
      if (epoch % 5 === 0 || epoch === state.epochs) update(regs, xTest, tr, te);
      await tf.nextFrame(); // yield to the page: the tab stays responsive
    }
    update(regs, xTest, tr, te);
    const done = Math.min(epoch - 1, state.epochs);
    setMessage(
      `${stopRequested ? 'Stopped' : 'Done'} after ${done} epochs in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
    document.body.dataset.trained = stopRequested ? 'stopped' : 'done';
  } finally {
    tf.dispose([x, y, xTest]);
    for (const r of regs) disposeRegressor(r);
    running = false;
    $('start').textContent = 'Start regressing';
    ($('draw') as HTMLButtonElement).disabled = false;
  }
}

function update(regs: Regressor[], xTest: tf.Tensor2D, tr: Sample, te: Sample): void {
  const testPreds = new Map<string, number[][]>();
  for (const r of regs)
    testPreds.set(
      r.name,
      tf.tidy(() => predictTensor(r, xTest).arraySync()),
    );
  replace('fit', 'lines', [...oracle(), ...lineData(regs, testPreds)]);
  replace('density', 'density', [
    ...tr.y.map((v) => ({ method: 'Training labels', value: v[0] })),
    ...regs.flatMap((r) => (testPreds.get(r.name) as number[][]).map((p) => ({ method: r.name, value: p[0] }))),
  ]);
  renderTable(
    regs.map((r) => ({
      name: r.name,
      slope: state.dims === 1 ? line(r).slope : null,
      sigma: r.criterion ? r.criterion.sigma() : null,
      mse: Object.fromEntries(
        Object.entries(regionMse(testPreds.get(r.name) as number[][], te.y, tr.y)).map(([k, v]) => [k, v.mse]),
      ),
    })),
  );
}

async function start(): Promise<void> {
  writeControls();
  buildSliders();
  for (const id of ['seed', 'epochs', 'learnable', 'dims'])
    $(id).addEventListener('change', () => {
      readControls();
      syncUrl();
    });
  $('draw').addEventListener('click', () => void drawTrainingSet());
  $('start').addEventListener('click', () => void regress());
  $('share').addEventListener('click', async () => {
    readControls();
    syncUrl();
    try {
      await navigator.clipboard.writeText(location.href);
      setMessage('Link copied.');
    } catch {
      setMessage(`Link: ${location.href}`);
    }
  });
  const backend = await pickBackend(state.backend);
  $('backend').textContent = backend.name + (backend.tried.length ? ` (${backend.tried.join(', ')} unavailable)` : '');
  document.body.dataset.backend = backend.name;
  await drawTrainingSet();
  document.body.dataset.ready = 'true';
}

start().catch((e: unknown) => {
  setMessage(`The demo could not start: ${(e as Error).message}`);
  console.error(e);
});
