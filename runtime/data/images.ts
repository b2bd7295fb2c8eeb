// Users' own data: a folder of PNG images (pngjs). Either PNG files directly in the folder (x only), or one
// subfolder per class (x and y; classes are the subfolder names in sorted order, y their index). Every image has
// the size of the first; x is [h, w, channels] scaled to [-1, 1] (v / 127.5 - 1, as fashion_mnist). channels = 0
// (default) takes 1 for a grayscale first image and 3 for a colour one; 1, 3 or 4 (RGBA) convert every image
// (colour to gray by luma 0.299 R + 0.587 G + 0.114 B).
import * as fs from "node:fs";
import * as path from "node:path";
import { PNG } from "pngjs";
import type { Dataset } from "../types.ts";
import { GancRuntimeError } from "../errors.ts";
import { ArgReader, type Args } from "./args.ts";
import { dataPath, probeDir, problemError, readHead, type DataProblem } from "./files.ts";

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const hidden = (name: string) => name.startsWith(".");

export interface ImageFolder {
  /** class subfolder names (empty: the PNGs are directly in the folder, no labels) */
  classes: string[];
  /** [file, class index] in load order */
  files: [string, number][];
}

/** List the folder; a string is the problem. */
export function listImageFolder(abs: string, shown: string): ImageFolder | string {
  const ents = fs.readdirSync(abs, { withFileTypes: true }).filter((e) => !hidden(e.name));
  const dirs = ents.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files = ents.filter((e) => !e.isDirectory()).map((e) => e.name).sort();
  const notPng = (dir: string, names: string[]) => {
    const bad = names.find((f) => !f.toLowerCase().endsWith(".png"));
    return bad === undefined ? null : `${path.join(dir, bad)}: not a .png file (images(path=...) reads PNG images only)`;
  };
  if (dirs.length && files.length)
    return `${shown}: holds both files (${files[0]}) and class subfolders (${dirs[0]}); put every image in a class subfolder, or use a folder of images only`;
  if (!dirs.length) {
    if (!files.length) return `${shown}: no PNG images in the folder`;
    return notPng(shown, files) ?? { classes: [], files: files.map((f) => [path.join(abs, f), 0]) };
  }
  const out: [string, number][] = [];
  for (let c = 0; c < dirs.length; c++) {
    const sub = path.join(abs, dirs[c]!);
    const ents2 = fs.readdirSync(sub, { withFileTypes: true }).filter((e) => !hidden(e.name));
    const nested = ents2.find((e) => e.isDirectory());
    if (nested) return `${path.join(shown, dirs[c]!, nested.name)}: a folder inside class folder ${dirs[c]} (one level of class subfolders only)`;
    const names = ents2.map((e) => e.name).sort();
    if (!names.length) return `${path.join(shown, dirs[c]!)}: class folder ${dirs[c]} has no images`;
    const bad = notPng(path.join(shown, dirs[c]!), names);
    if (bad) return bad;
    for (const f of names) out.push([path.join(sub, f), c]);
  }
  return { classes: dirs, files: out };
}

/** width, height and colour type from the IHDR chunk; a string is the problem */
function pngHeader(head: Buffer, shown: string): { w: number; h: number; color: number } | string {
  if (head.length < 26 || !head.subarray(0, 8).equals(PNG_SIG) || head.toString("latin1", 12, 16) !== "IHDR")
    return `${shown}: not a PNG image (bad signature)`;
  return { w: head.readUInt32BE(16), h: head.readUInt32BE(20), color: head[25]! };
}

const autoChannels = (color: number) => (color === 0 || color === 4 ? 1 : 3);

/** The folder exists, has PNGs laid out as expected, and the first one has a PNG header: its shape and classes. */
export function probeImages(rel: string, baseDir: string, channels = 0): { problem: DataProblem } | { shape: number[]; classes: number } {
  const p = probeDir("images", rel, baseDir);
  if (p) return { problem: p };
  const { abs, shown } = dataPath(rel, baseDir);
  const hint = "images(path=...) reads a folder of PNG files, or one subfolder of PNG files per class";
  const ls = listImageFolder(abs, shown);
  if (typeof ls === "string") return { problem: { code: "data-format", message: ls, hint } };
  const first = ls.files[0]![0];
  const h = pngHeader(readHead(first, 32), path.join(shown, path.relative(abs, first)));
  if (typeof h === "string") return { problem: { code: "data-format", message: h, hint } };
  return { shape: [h.h, h.w, channels || autoChannels(h.color)], classes: ls.classes.length };
}

export function images(args: Args, ctx: { baseDir: string }): Dataset {
  const a = new ArgReader("images", args, ["path", "channels"]);
  const rel = a.str("path");
  let channels = a.num("channels", 0, { int: true, min: 0 });
  if (![0, 1, 3, 4].includes(channels))
    throw new GancRuntimeError(`images: channels must be 0 (from the images), 1, 3 or 4, got ${channels}`, { code: "data-args" });
  const pr = probeImages(rel, ctx.baseDir, channels);
  if ("problem" in pr) throw problemError(pr.problem);
  const { abs, shown } = dataPath(rel, ctx.baseDir);
  const ls = listImageFolder(abs, shown) as ImageFolder;
  const [H, W, C] = pr.shape as [number, number, number];
  channels = C;
  const n = ls.files.length;
  const px = H * W;
  const x = new Float32Array(n * px * C);
  const y = new Int32Array(n);
  ls.files.forEach(([file, cls], i) => {
    const name = path.join(shown, path.relative(abs, file));
    let png: PNG;
    try {
      png = PNG.sync.read(fs.readFileSync(file));
    } catch (e) {
      throw new GancRuntimeError(`${name}: not a readable PNG image (${(e as Error).message})`, { code: "data-format" });
    }
    if (png.width !== W || png.height !== H)
      throw new GancRuntimeError(`${name}: image is ${png.width}x${png.height}, the others are ${W}x${H} (width x height)`, {
        code: "data-format",
        hint: "every image of a data set has one size: resize them first",
      });
    const d = png.data;
    const o = i * px * C;
    for (let p = 0; p < px; p++) {
      const r = d[4 * p]!, g = d[4 * p + 1]!, b = d[4 * p + 2]!;
      if (C === 1) x[o + p] = (r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b) / 127.5 - 1;
      else for (let c = 0; c < C; c++) x[o + p * C + c] = d[4 * p + c]! / 127.5 - 1;
    }
    y[i] = cls;
  });
  const columns: Dataset["columns"] = [{ name: "x", shape: [H, W, C], dtype: "float32", data: x }];
  if (ls.classes.length) columns.push({ name: "y", shape: [], dtype: "int32", data: y, classes: ls.classes.length });
  return { source: "images", n, columns };
}
