// PNG output for run directories: image sample grids and simple 2-D scatter plots, rasterised directly with pngjs
// (no browser/canvas). Vega charts (loss curves, NDB bars) live in plot.ts.
import { PNG } from "pngjs";
import { writeFileAtomic } from "./atomic.ts";
import { GancRuntimeError } from "../errors.ts";

export type RGB = [number, number, number];

function encode(width: number, height: number, rgba: Uint8Array): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png);
}

/**
 * Tile n images of h x w x c (row-major, channels last; c = 1 or 3) into a grid with `cols` columns and a 2-pixel
 * gutter. Values are mapped linearly from `range` to 0..255 and clipped.
 */
export function imageGrid(
  images: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
  cols: number,
  range: [number, number] = [-1, 1],
  /** each image pixel becomes zoom x zoom pixels (nearest neighbour; the gutter scales too) */
  zoom = 1,
): Buffer {
  if (!(n >= 1 && h >= 1 && w >= 1 && cols >= 1) || (c !== 1 && c !== 3))
    throw new GancRuntimeError(`imageGrid: bad layout n=${n} h=${h} w=${w} c=${c} cols=${cols}`, { code: "png" });
  if (images.length !== n * h * w * c)
    throw new GancRuntimeError(`imageGrid: expected ${n * h * w * c} values (n*h*w*c), got ${images.length}`, {
      code: "png",
    });
  const pad = 2;
  const rows = Math.ceil(n / cols);
  const W = cols * w + (cols + 1) * pad;
  const H = rows * h + (rows + 1) * pad;
  const out = new Uint8Array(W * H * 4);
  // gutter: dark grey
  for (let i = 0; i < W * H; i++) {
    out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = 40;
    out[i * 4 + 3] = 255;
  }
  const [lo, hi] = range;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const toByte = (v: number) => (Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v - lo) * scale))) : 0);
  for (let k = 0; k < n; k++) {
    const ox = pad + (k % cols) * (w + pad);
    const oy = pad + Math.floor(k / cols) * (h + pad);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const src = ((k * h + y) * w + x) * c;
        const dst = ((oy + y) * W + ox + x) * 4;
        for (let ch = 0; ch < 3; ch++) out[dst + ch] = toByte(images[src + (c === 3 ? ch : 0)] as number);
      }
  }
  const z = Math.max(1, Math.floor(zoom));
  if (z === 1) return encode(W, H, out);
  const big = new Uint8Array(W * z * H * z * 4);
  for (let y = 0; y < H * z; y++) {
    const sy = Math.floor(y / z);
    for (let x = 0; x < W * z; x++) {
      const si = (sy * W + Math.floor(x / z)) * 4, di = (y * W * z + x) * 4;
      big[di] = out[si]!, big[di + 1] = out[si + 1]!, big[di + 2] = out[si + 2]!, big[di + 3] = 255;
    }
  }
  return encode(W * z, H * z, big);
}

export interface ScatterSet {
  /** n * 2 coordinates (x0, y0, x1, y1, ...) */
  points: ArrayLike<number>;
  color: RGB;
  /** dot radius in pixels (default 1) */
  radius?: number;
}

/** Scatter plot of several 2-D point sets on a white square canvas with axes through the origin. Later sets are
 * drawn on top. Bounds cover every finite point with a 5% margin. */
export function scatterPng(sets: ScatterSet[], size = 512): Buffer {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of sets)
    for (let i = 0; i + 1 < s.points.length; i += 2) {
      const x = s.points[i] as number, y = s.points[i + 1] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  if (!Number.isFinite(x0)) { x0 = -1; x1 = 1; y0 = -1; y1 = 1; }
  // square aspect so rings look round
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const half = Math.max(x1 - x0, y1 - y0, 1e-6) * 0.55;
  const out = new Uint8Array(size * size * 4).fill(255);
  const px = (x: number) => Math.round(((x - (cx - half)) / (2 * half)) * (size - 1));
  const py = (y: number) => Math.round((1 - (y - (cy - half)) / (2 * half)) * (size - 1));
  const put = (X: number, Y: number, [r, g, b]: RGB) => {
    if (X < 0 || Y < 0 || X >= size || Y >= size) return;
    const o = (Y * size + X) * 4;
    out[o] = r; out[o + 1] = g; out[o + 2] = b; out[o + 3] = 255;
  };
  const ax = px(0), ay = py(0);
  for (let i = 0; i < size; i++) {
    put(ax, i, [200, 200, 200]);
    put(i, ay, [200, 200, 200]);
  }
  for (const s of sets) {
    const r = s.radius ?? 1;
    for (let i = 0; i + 1 < s.points.length; i += 2) {
      const x = s.points[i] as number, y = s.points[i + 1] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const X = px(x), Y = py(y);
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r * r) put(X + dx, Y + dy, s.color);
    }
  }
  return encode(size, size, out);
}

/** Decode a PNG buffer (tests and `ganc sample` round trips). */
export function decodePng(buf: Buffer): { width: number; height: number; data: Buffer } {
  const p = PNG.sync.read(buf);
  return { width: p.width, height: p.height, data: p.data };
}

export function writePng(path: string, buf: Buffer): void {
  writeFileAtomic(path, buf);
}
