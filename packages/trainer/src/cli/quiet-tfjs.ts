/**
 * tfjs' CPU backend prints "Hi, looks like you are running TensorFlow.js in Node.js … install our node backend"
 * on its first tensor in Node. Our CLIs pick their backend on purpose (`backend:` in the config), so the advice
 * is noise there: mark the CPU backend as already used. Only tfjs' own banner is affected; its other warnings stay.
 */
import { tf } from '@bmse/backend';

export function silenceTfjsNodeBanner(): void {
  // tf.findBackend creates the CPU backend (cheap, no tensors) if it is not there yet
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}
