import { describe, expect, it } from "vitest";
import { decodePng, imageGrid, scatterPng } from "../../runtime/report/png.ts";

describe("imageGrid", () => {
  it("tiles grayscale images with a gutter and maps the range to 0..255", () => {
    // 3 images of 2x2; values -1 (black), 0 (mid), 1 (white)
    const imgs = new Float32Array([-1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 2]);
    const png = decodePng(imageGrid(imgs, 3, 2, 2, 1, 2));
    // 2 cols x 2 rows, 2px gutters
    expect(png.width).toBe(2 * 2 + 3 * 2);
    expect(png.height).toBe(2 * 2 + 3 * 2);
    const px = (x: number, y: number) => png.data[(y * png.width + x) * 4]!;
    expect(px(2, 2)).toBe(0); // image 0
    expect(px(6, 2)).toBe(128); // image 1 (0 -> 127.5 rounds to 128)
    expect(px(2, 6)).toBe(255); // image 2
    expect(px(3, 7)).toBe(255); // 2 clipped to 255
    expect(px(0, 0)).toBe(40); // gutter
    expect(png.data[3]).toBe(255); // opaque
  });

  it("keeps colour channels", () => {
    const png = decodePng(imageGrid(new Float32Array([1, -1, -1]), 1, 1, 1, 3, 1));
    const o = (2 * png.width + 2) * 4;
    expect([...png.data.subarray(o, o + 3)]).toEqual([255, 0, 0]);
  });

  it("rejects inconsistent sizes with a typed error", () => {
    expect(() => imageGrid(new Float32Array(5), 2, 2, 2, 1, 2)).toThrow(/expected 8 values/);
    expect(() => imageGrid(new Float32Array(8), 2, 2, 2, 2, 2)).toThrow(/bad layout/);
  });
});

describe("scatterPng", () => {
  it("draws points in their colours on a white canvas", () => {
    const png = decodePng(scatterPng([{ points: [0, 0, 1, 1, -1, -1], color: [255, 0, 0] }], 64));
    expect(png.width).toBe(64);
    let red = 0;
    for (let i = 0; i < 64 * 64; i++) if (png.data[i * 4] === 255 && png.data[i * 4 + 1] === 0) red++;
    expect(red).toBeGreaterThanOrEqual(3);
    expect(png.data[0]).toBe(255); // white corner
  });
  it("survives empty and non-finite input", () => {
    expect(decodePng(scatterPng([{ points: [NaN, 1], color: [0, 0, 0] }], 16)).width).toBe(16);
  });
});
