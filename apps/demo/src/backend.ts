/** Picks the tfjs backend in the visitor's browser: webgl, falling back to wasm, then cpu. */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});

export async function pickBackend(
  preference: 'auto' | 'webgl' | 'wasm' | 'cpu',
): Promise<{ name: string; tried: string[] }> {
  const order = preference === 'auto' ? ['webgl', 'wasm', 'cpu'] : [preference, 'cpu'];
  const tried: string[] = [];
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name: tf.getBackend(), tried };
      }
    } catch {
      // not available in this browser: try the next one
    }
    tried.push(name);
  }
  throw new Error(`no tfjs backend could start (tried ${tried.join(', ')})`);
}
