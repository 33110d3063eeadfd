/**
 * One fused op per (epsilon, ReLU) choice, made on first use: tf.customGrad takes tensors only, so the
 * attributes are closed over (the batch-norm ops).
 */
export function cachedByEpsRelu<F>(make: (eps: number, relu: boolean) => F): (eps: number, relu: boolean) => F {
  const ops = new Map<string, F>();
  return (eps, relu) => {
    const key = `${eps} ${relu}`;
    let op = ops.get(key);
    if (op === undefined) {
      op = make(eps, relu);
      ops.set(key, op);
    }
    return op;
  };
}
