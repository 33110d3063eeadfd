/**
 * The backend the trainer's tests run on: the cpu backend in-process and wasm in the CLI's child
 * processes, or BMSE_BACKEND for both (e.g. BMSE_BACKEND=tensorflow after
 * scripts/backends/tfjs-node-local.sh, as the losses' and models' test helpers honour it).
 */
import { type BackendPreference, initBackend, tf } from '@bmse/backend';

export const envBackend = process.env.BMSE_BACKEND as BackendPreference | undefined;

export async function setupBackend(): Promise<void> {
  if (envBackend) await initBackend(envBackend);
  else await tf.setBackend('cpu');
}

/** The `backend:` of the CLI tests' run configs. */
export const cliBackend: BackendPreference = envBackend ?? 'wasm';
