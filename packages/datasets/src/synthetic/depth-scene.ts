/** Ray-cast indoor scenes (a room with floor, ceiling, walls and boxes) for synthetic-depth: z-depth and shaded RGB. */
import type { RgbImage } from '../image/decode.js';
import { normal, type Rng, randInt, uniform } from '../rng.js';

interface Box {
  min: [number, number, number];
  max: [number, number, number];
  albedo: number[];
}

export interface RenderedScene {
  width: number;
  height: number;
  /** camera z-depth in metres, row-major */
  depth: Float32Array;
  rgb: RgbImage;
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const colour = (rng: Rng) => [uniform(rng, 0.25, 0.95), uniform(rng, 0.25, 0.95), uniform(rng, 0.25, 0.95)];

export function renderDepthScene(width: number, height: number, rng: Rng): RenderedScene {
  const roomW = uniform(rng, 3, 7);
  const roomH = uniform(rng, 2.4, 3.2);
  const camH = uniform(rng, 1.0, 1.7);
  const back = uniform(rng, 3, 9.5);
  const camX = uniform(rng, -roomW / 4, roomW / 4);
  const yaw = (uniform(rng, -25, 25) * Math.PI) / 180;
  const f = 0.8 * width;
  const walls = { floor: colour(rng), ceiling: colour(rng), left: colour(rng), right: colour(rng), back: colour(rng) };
  const boxes: Box[] = Array.from({ length: randInt(rng, 1, 4) }, () => {
    const w = uniform(rng, 0.4, 1.5);
    const d = uniform(rng, 0.4, 1.5);
    const h = uniform(rng, 0.4, 1.8);
    const x = uniform(rng, -roomW / 2 + w / 2, roomW / 2 - w / 2);
    const z = uniform(rng, 1, Math.max(1.2, back - d / 2));
    return { min: [x - w / 2, -camH, z - d / 2], max: [x + w / 2, -camH + h, z + d / 2], albedo: colour(rng) };
  });
  const cos = Math.cos(yaw);
  const sin = Math.sin(yaw);
  const depth = new Float32Array(width * height);
  const data = new Uint8Array(width * height * 3);
  const o = [camX, 0, 0];
  for (let v = 0; v < height; v++)
    for (let u = 0; u < width; u++) {
      const dx = (u + 0.5 - width / 2) / f;
      const dy = -(v + 0.5 - height / 2) / f;
      const dir = [cos * dx + sin, dy, -sin * dx + cos];
      let t = Number.POSITIVE_INFINITY;
      let n = [0, 0, 0];
      let albedo = walls.back;
      const plane = (axis: number, p: number, normalSign: number, alb: number[]) => {
        if (dir[axis] === 0) return;
        const tt = (p - o[axis]) / dir[axis];
        if (tt > 0 && tt < t) {
          t = tt;
          n = [0, 0, 0];
          n[axis] = normalSign;
          albedo = alb;
        }
      };
      plane(1, -camH, 1, walls.floor);
      plane(1, roomH - camH, -1, walls.ceiling);
      plane(0, -roomW / 2, 1, walls.left);
      plane(0, roomW / 2, -1, walls.right);
      plane(2, back, -1, walls.back);
      for (const b of boxes) {
        let t0 = 0;
        let t1 = Number.POSITIVE_INFINITY;
        let axisIn = -1;
        for (let a = 0; a < 3; a++) {
          if (Math.abs(dir[a]) < 1e-12) {
            if (o[a] < b.min[a] || o[a] > b.max[a]) t0 = Number.POSITIVE_INFINITY;
            continue;
          }
          let ta = (b.min[a] - o[a]) / dir[a];
          let tb = (b.max[a] - o[a]) / dir[a];
          if (ta > tb) [ta, tb] = [tb, ta];
          if (ta > t0) {
            t0 = ta;
            axisIn = a;
          }
          t1 = Math.min(t1, tb);
        }
        if (axisIn >= 0 && t0 <= t1 && t0 < t) {
          t = t0;
          n = [0, 0, 0];
          n[axisIn] = -Math.sign(dir[axisIn]);
          albedo = b.albedo;
        }
      }
      const p = v * width + u;
      depth[p] = t; // dir has camera-frame z = 1, so t is the z-depth
      const len = Math.hypot(dir[0], dir[1], dir[2]);
      const lambert = Math.abs(n[0] * dir[0] + n[1] * dir[1] + n[2] * dir[2]) / len;
      const fall = 1 / (1 + 0.08 * t);
      for (let c = 0; c < 3; c++)
        data[p * 3 + c] = clamp8(255 * albedo[c] * (0.25 + 0.75 * lambert) * fall + normal(rng, 0, 3));
    }
  return { width, height, depth, rgb: { width, height, data } };
}
