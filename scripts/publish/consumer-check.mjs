// Runs in a fresh project that installed the packed @bmse/losses and @bmse/metrics tarballs and
// @tensorflow/tfjs from npm (see pack-install.test.ts): BMC, GAI and BNI through BalancedMSELoss
// with a learnable σ in an optimizer, on the PyTorch float64 golden case, both kernels.
import { readFileSync } from 'node:fs';
import { BalancedMSELoss, bmcLoss } from '@bmse/losses';
import { ageMetrics } from '@bmse/metrics';
import * as tf from '@tensorflow/tfjs';

const golden = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { predAge, targetAge } = golden.inputs;
await tf.ready();
const out = { backend: tf.getBackend(), cases: {} };
for (const impl of ['bmc', 'gai', 'bni']) {
  for (const kernel of ['fused', 'tensor']) {
    const criterion = new BalancedMSELoss({
      impl,
      kernel,
      initNoiseSigma: 3,
      sigmaLr: 0.01,
      gmm: golden.gmmAge,
      bucketCenters: golden.bucketsAge.centers,
      bucketWeights: golden.bucketsAge.weights,
    });
    const pred = tf.variable(tf.tensor2d(predAge), true, `pred_${impl}_${kernel}`);
    const target = tf.tensor2d(targetAge);
    const { value, grads } = tf.variableGrads(() => criterion.call(pred, target));
    const gradSigma = grads[criterion.noiseSigma.name].dataSync()[0];
    const gradPred = Array.from(grads[pred.name].dataSync());
    const rest = criterion.applySigmaGradient(grads); // σ: its own Adam(0.01) step
    const optimizer = tf.train.sgd(0.1);
    optimizer.applyGradients(rest); // the "model" (here the predictions themselves): another optimizer
    out.cases[`${impl}-${kernel}`] = {
      loss: value.dataSync()[0],
      gradPred,
      gradSigma,
      sigmaAfter: criterion.sigma(),
      predAfter0: pred.dataSync()[0],
      restNames: Object.keys(rest),
    };
    tf.dispose([value, target, pred, ...Object.values(grads)]);
    optimizer.dispose();
    criterion.dispose();
  }
}
// a tensor of the caller's tfjs instance is accepted as is (one instance: the peer dependency)
const [p68, t68] = [tf.tensor2d(golden.inputs.pred68), tf.tensor2d(golden.inputs.target68)];
const before = tf.memory().numTensors;
const plain = bmcLoss(p68, t68, 1.0);
out.bmcPlain = plain.dataSync()[0];
plain.dispose();
out.leakedByLoss = tf.memory().numTensors - before; // the loss keeps no intermediate tensor
out.metrics = ageMetrics([1, 2, 3, 10], [1, 2, 5, 10], [1, 1, 2, 2, 5, 10]).all;
console.log(JSON.stringify(out));
