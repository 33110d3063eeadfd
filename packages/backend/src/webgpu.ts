/**
 * The WebGPU backend in Node: @tensorflow/tfjs-backend-webgpu on Dawn (the optional `webgpu`
 * npm package). `probeWebGpu` finds an adapter and tells a hardware GPU from a software one
 * (SwiftShader, llvmpipe: far slower than wasm); `startWebGpu` makes 'webgpu' the tfjs backend.
 *
 * Reads: Node has no OffscreenCanvas, so tfjs-backend-webgpu cannot read GPU memory
 * synchronously there; `dataSync()`/`arraySync()` of a tensor that lives on the GPU throws a
 * clear error, `await t.data()` works.
 */
import fs from 'node:fs';
import { tf } from './tf.js';

/** What the adapter says about itself (GPUAdapterInfo), plus whether it is a software rasteriser. */
export interface WebGpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** a CPU implementation of Vulkan/WebGPU (SwiftShader, llvmpipe/lavapipe), not a GPU */
  software: boolean;
}

export type WebGpuProbe = { ok: true; adapter: WebGpuAdapter } | { ok: false; reason: string };

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface AdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  features: { has(f: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: unknown): Promise<unknown>;
}
interface GpuLike {
  requestAdapter(options?: unknown): Promise<AdapterLike | null>;
}

/** Where Debian's chromium (and some other distributions) keep SwiftShader's Vulkan driver manifest. */
const swiftShaderIcds = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib64/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

/** The path of a SwiftShader Vulkan ICD manifest on this machine, or null (for tests: `VK_ICD_FILENAMES`). */
export function swiftShaderIcd(): string | null {
  return swiftShaderIcds.find((p) => fs.existsSync(p)) ?? null;
}

/**
 * Sets VK_ICD_FILENAMES to SwiftShader's driver when it is unset and the driver is installed, so
 * that Dawn has a (software) adapter on a machine without a GPU — for tests; returns the value
 * in effect. Call before the first `initBackend`/`probeWebGpu`: the Vulkan loader reads it then.
 */
export function preferSwiftShaderWhenUnset(): string | null {
  const icd = swiftShaderIcd();
  if (process.env.VK_ICD_FILENAMES == null && icd) process.env.VK_ICD_FILENAMES = icd;
  return process.env.VK_ICD_FILENAMES ?? null;
}

const softwareNames = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i;

/** Whether the adapter is a software implementation (the fallback flag, or a known software name). */
export function isSoftwareAdapter(info: Omit<WebGpuAdapter, 'software'>, fallbackFlag: boolean): boolean {
  return fallbackFlag || softwareNames.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

let gpu: GpuLike | null = null;
let adapter: AdapterLike | null = null;

async function loadDawn(): Promise<{ ok: true; gpu: GpuLike } | { ok: false; reason: string }> {
  if (gpu) return { ok: true, gpu };
  let dawn: DawnModule;
  try {
    dawn = (await import(/* @vite-ignore */ 'webgpu' as string)) as DawnModule;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if ((e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && e.message?.includes("'webgpu'")) {
      return { ok: false, reason: "the optional 'webgpu' package (Dawn) is not installed" };
    }
    return { ok: false, reason: `the 'webgpu' package (Dawn) failed to load: ${e?.message ?? String(err)}` };
  }
  // GPUBufferUsage, GPUMapMode, ... as globals, which tfjs-backend-webgpu uses; never overwrite
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  gpu = dawn.create([]);
  return { ok: true, gpu };
}

function adapterInfo(a: AdapterLike): WebGpuAdapter {
  const i = a.info ?? {};
  const text = (k: string) => (typeof i[k] === 'string' ? (i[k] as string) : '');
  const base = {
    vendor: text('vendor'),
    architecture: text('architecture'),
    device: text('device'),
    description: text('description'),
  };
  return { ...base, software: isSoftwareAdapter(base, Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter)) };
}

/**
 * Whether a GPU can be there for Dawn to find: on Linux a GPU device node (/dev/dri/renderD*, /dev/nvidia0,
 * WSL's /dev/dxg) or a Vulkan driver named by VK_ICD_FILENAMES; elsewhere always. `auto` asks before it
 * probes: with no GPU Dawn only prints Vulkan warnings to the terminal and finds nothing.
 */
export function mayHaveGpu(): { yes: true } | { yes: false; reason: string } {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES) return { yes: true };
  const nodes = ['/dev/nvidia0', '/dev/dxg'];
  try {
    nodes.push(...fs.readdirSync('/dev/dri').map((n) => `/dev/dri/${n}`));
  } catch {
    // no /dev/dri
  }
  if (nodes.some((n) => n.startsWith('/dev/dri/renderD') || fs.existsSync(n))) return { yes: true };
  return { yes: false, reason: 'no GPU device here (no /dev/dri/renderD*, /dev/nvidia0 or /dev/dxg)' };
}

/** Finds a WebGPU adapter (high-performance preference), or says why there is none. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const dawn = await loadDawn();
  if (!dawn.ok) return dawn;
  if (!adapter) {
    try {
      adapter = await dawn.gpu.requestAdapter({ powerPreference: 'high-performance' });
    } catch (err) {
      return { ok: false, reason: `requesting a WebGPU adapter failed: ${(err as Error).message}` };
    }
  }
  if (!adapter) {
    return {
      ok: false,
      reason:
        'no WebGPU adapter (Dawn found no Vulkan device; a GPU needs its Vulkan driver and libvulkan1, ' +
        'a software one VK_ICD_FILENAMES pointing at e.g. SwiftShader)',
    };
  }
  return { ok: true, adapter: adapterInfo(adapter) };
}

/** A short name for logs: "SwiftShader driver 5.0.0 (google swiftshader, software)". */
export function describeAdapter(a: WebGpuAdapter): string {
  const name = a.description || a.device || a.architecture || 'unnamed adapter';
  const detail = [a.vendor, a.architecture].filter(Boolean).join(' ');
  return `${name}${detail ? ` (${detail}${a.software ? ', software' : ''})` : a.software ? ' (software)' : ''}`;
}

interface NavigatorWithGpu {
  gpu?: unknown;
}

/** Makes the probed adapter tfjs' 'webgpu' backend; call after a successful `probeWebGpu`. */
export async function startWebGpu(): Promise<void> {
  if (!gpu || !adapter) throw new Error('startWebGpu: no adapter (call probeWebGpu first)');
  // tfjs-backend-webgpu looks for navigator.gpu (Node 20 has no navigator; Node 21+ one without gpu)
  const g = globalThis as { navigator?: NavigatorWithGpu };
  if (g.navigator == null) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  else if (g.navigator.gpu == null) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  const mod = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as {
    WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend;
  };
  if (tf.findBackendFactory('webgpu') == null) {
    // imported earlier, before navigator.gpu existed: it did not register itself
    const a = adapter;
    tf.registerBackend('webgpu', async () => new mod.WebGPUBackend(await requestDevice(a), a.info), 3);
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to initialise');
  patchReadSync(tf.backend());
}

/** The device tfjs-backend-webgpu's own registration asks for (its limits raised to the adapter's). */
function requestDevice(a: AdapterLike): Promise<unknown> {
  const requiredFeatures = a.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const keys = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
  ];
  return a.requestDevice({ requiredFeatures, requiredLimits: Object.fromEntries(keys.map((k) => [k, a.limits[k]])) });
}

/** Replaces "OffscreenCanvas is not defined" from a synchronous read by an error that says what to do. */
function patchReadSync(backend: tf.KernelBackend): void {
  const b = backend as unknown as { readSync(dataId: object): unknown; __bmsePatched?: boolean };
  if (b.__bmsePatched || (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas != null) return;
  const readSync = b.readSync.bind(b);
  b.readSync = (dataId: object) => {
    try {
      return readSync(dataId);
    } catch (err) {
      if (err instanceof ReferenceError && /OffscreenCanvas/.test(err.message)) {
        throw new Error(
          'the webgpu backend cannot read GPU memory synchronously in Node (no OffscreenCanvas): ' +
            'use await tensor.data() / tensor.array() instead of dataSync() / arraySync()',
        );
      }
      throw err;
    }
  };
  b.__bmsePatched = true;
}
