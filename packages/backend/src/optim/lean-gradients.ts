/**
 * `leanVariableGrads(f, varList)`: `tf.variableGrads` with the memory profile of
 * PyTorch's backward pass. tfjs-core 4.22 (`Engine.gradients`, `backpropagateGradients`)
 * keeps, until the whole backward pass has finished, (a) the gradient of every
 * intermediate tensor, (b) every gradient term it has already added into an
 * accumulated gradient and (c) every tensor saved for the backward pass. Its peak is
 * therefore all saved activations plus the gradients of all activations. Here each
 * tape node's saved tensors and the gradients of its outputs are released as soon
 * as the node has been back-propagated (its outputs have no consumer left: the tape
 * is in execution order), and each added term right after the addition. The
 * kernels, their order and the order of the gradient additions are tfjs-core's, so
 * the gradients are bit-identical to `tf.variableGrads`.
 *
 * Higher-order gradients (a tape already recording) fall back to `tf.variableGrads`.
 */
import { tf } from '../tf.js';
import { isExclusiveWasmF32, markWrittenInPlace, wasmF32 } from '../wasm/in-place.js';
import { wasmKernelSettings } from '../wasm/settings.js';

interface TapeNode {
  id: number;
  kernelName: string;
  outputs: tf.Tensor[];
  inputs: Record<string, tf.Tensor>;
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The parts of tfjs-core's Engine used here (private in its typings). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<R>(start: () => void, end: () => void, f: () => R): R;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
  tidy<T extends tf.TensorContainer>(f: () => T): T;
  startScope(name?: string): void;
  endScope(result?: tf.TensorContainer): void;
}

/** Next tensor id the engine will hand out (ids only increase). */
function nextTensorId(engine: object): number {
  return (engine.constructor as unknown as { nextTensorId: number }).nextTensorId;
}

/** tfjs-core's getFilteredNodesXToY: the nodes on a path from some x to y, inputs pruned to those depending on an x. */
export function filterTape(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  const out: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.has(t.id)) inputs[name] = t;
    out.push({ ...node, inputs, outputs: node.outputs });
  }
  return out;
}

/**
 * acc += dx in acc's own memory (wasm, float32, same shape, memory unshared), as `tf.add`
 * computes it (one float32 rounding per element); false when that does not apply. Saves
 * a gradient-sized allocation per accumulation (e.g. a 271 MiB one where the depth net's
 * two MFF convolutions meet).
 */
function addInPlace(acc: tf.Tensor, dx: tf.Tensor): boolean {
  if (dx.dtype !== 'float32' || !tf.util.arraysEqual(acc.shape, dx.shape) || !isExclusiveWasmF32(acc)) return false;
  const a = wasmF32(acc);
  const d = wasmF32(dx);
  if (wasmKernelSettings.native) wasmKernelSettings.native.accumulate(a, d);
  else for (let i = 0; i < a.length; i++) a[i] += d[i];
  markWrittenInPlace(acc);
  return true;
}

/**
 * Adds the gradients of `node`'s inputs into `acc`, in tfjs-core's order. Runs in its own
 * scope: gradient functions that compute all their gradients eagerly (customGrad ops such
 * as fused conv2d) leave the unreturned ones to be released with it, not at the end of the
 * backward pass. A gradient that is a tensor from before the node (dy, a saved tensor) or
 * already stored for another input is cloned (clones share memory), so `acc` owns each entry.
 */
function backpropNode(engine: EngineInternals, node: TapeNode, dys: tf.Tensor[], acc: Map<number, tf.Tensor>): void {
  const firstNew = nextTensorId(engine);
  const stored: tf.Tensor[] = [];
  const used = new Set<number>();
  engine.startScope(`backprop ${node.kernelName}`);
  try {
    const inputGradients = (node.gradient as NonNullable<TapeNode['gradient']>)(dys);
    for (const [name, x] of Object.entries(node.inputs)) {
      if (!(name in inputGradients)) {
        throw new Error(
          `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`,
        );
      }
      let dx = engine.tidy(() => inputGradients[name]());
      if (dx.dtype !== 'float32') {
        throw new Error(
          `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`,
        );
      }
      if (!tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(
          `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
        );
      }
      if (dx.id < firstNew || used.has(dx.id)) dx = tf.clone(dx);
      used.add(dx.id);
      const cur = acc.get(x.id);
      if (cur == null) {
        acc.set(x.id, dx);
        stored.push(dx);
      } else {
        if (addInPlace(cur, dx)) {
          stored.push(cur);
        } else {
          const sum = tf.add(cur, dx);
          acc.set(x.id, sum);
          stored.push(sum);
          cur.dispose();
        }
        dx.dispose();
      }
    }
  } finally {
    // keeps what acc holds now (disposed tensors are skipped), releases the rest of the node's tensors
    engine.endScope(stored.filter((t) => !t.isDisposed));
  }
}

/** Gradients of the scalar f() with respect to xs (null where y does not depend on an x), and f()'s value. */
export function leanGradients(f: () => tf.Tensor, xs: tf.Tensor[]): { value: tf.Tensor; grads: (tf.Tensor | null)[] } {
  const engine = tf.engine() as unknown as EngineInternals;
  const y = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  const tape = engine.state.activeTape ?? [];
  const filtered = filterTape(tape, xs, y);
  const keep = new Set(xs.map((x) => x.id));
  return engine.tidy('backward', () => {
    const acc = new Map<number, tf.Tensor>([[y.id, tf.onesLike(y)]]);
    for (let i = filtered.length - 1; i >= 0; i--) {
      const node = filtered[i];
      if (node.gradient == null) {
        throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      }
      // zeros for outputs outside the backward graph (as tfjs-core's tape does), released with the node
      const zeros: tf.Tensor[] = [];
      const dys = node.outputs.map((o) => {
        const g = acc.get(o.id);
        if (g != null) return g;
        const z = tf.zerosLike(o);
        zeros.push(z);
        return z;
      });
      backpropNode(engine, node, dys, acc);
      tf.dispose(zeros);
      // every consumer of this node's outputs has been back-propagated: release what only it needed
      for (const o of node.outputs) {
        if (keep.has(o.id)) continue;
        acc.get(o.id)?.dispose();
        acc.delete(o.id);
      }
      if (engine.state.gradientDepth === 0) for (const t of node.saved ?? []) t.dispose();
    }
    const grads = xs.map((x) => acc.get(x.id) ?? null);
    if (engine.state.gradientDepth === 0) {
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
    }
    return { value: y, grads: grads as tf.Tensor[] };
  });
}

/**
 * `tf.variableGrads(f, varList)` on `leanGradients` (same checks and result): the gradient
 * of the scalar f() with respect to the trainable variables of `varList` (default: all).
 */
export function leanVariableGrads(
  f: () => tf.Scalar,
  varList?: tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.state.gradientDepth > 0) return tf.variableGrads(f, varList);
  const all = varList ?? Object.values(tf.engine().registeredVariables);
  const nonTrainable = varList ? varList.filter((v) => !v.trainable) : [];
  const vars = all.filter((v) => v.trainable);
  if (vars.length === 0) {
    throw new Error(
      `variableGrads() expects at least one of the input variables to be trainable, but none of the ${all.length} variables is trainable.`,
    );
  }
  const { value, grads } = leanGradients(f, vars);
  if (!grads.some((g) => g != null)) {
    throw new Error(
      'Cannot find a connection between any variable and the result of the loss function y=f(x). Please make sure the operations that use variables are inside the function f passed to minimize().',
    );
  }
  if (value.rank !== 0)
    throw new Error(
      `The f passed in variableGrads(f) must return a scalar, but it returned a rank-${value.rank} tensor`,
    );
  const named: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    if (grads[i] != null) named[v.name] = grads[i] as tf.Tensor;
  });
  for (const v of nonTrainable) (named as Record<string, tf.Tensor | null>)[v.name] = null;
  return { value: value as tf.Scalar, grads: named };
}
