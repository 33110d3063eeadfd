import { initBackend, tf } from '@bmse/backend';
const info = await initBackend('wasm');
const b = tf.backend() as any;
console.log(info.threads, b.wasm.HEAPU8.buffer instanceof SharedArrayBuffer, b.wasm.HEAPU8.buffer.byteLength);
