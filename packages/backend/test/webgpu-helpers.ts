/**
 * WebGPU test setup: SwiftShader's Vulkan driver (Debian's chromium ships it) when no
 * VK_ICD_FILENAMES is given, then an adapter probe. Tests skip, printing the reason, when
 * there is no adapter. Other packages' webgpu tests use the same steps (via @bmse/backend).
 */
import { preferSwiftShaderWhenUnset, probeWebGpu, tf, type WebGpuProbe } from '@bmse/backend';

/** Points Dawn at SwiftShader when nothing else was chosen; returns the probe's result. */
export async function webGpuForTests(): Promise<WebGpuProbe> {
  preferSwiftShaderWhenUnset();
  const probe = await probeWebGpu();
  if (!probe.ok) console.warn(`webgpu tests skipped: ${probe.reason}`);
  return probe;
}

/**
 * Runs `fn` on `backend` and returns its tensors' values (read asynchronously: webgpu in Node
 * cannot read synchronously). Inputs must be made inside `fn`: tensors cannot move off webgpu
 * synchronously either.
 */
export async function valuesOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(list);
  return values;
}
