// Atomic file writes: write a temp file next to the target, fsync it, rename over the target, fsync the folder.
// A crash at any point leaves either the old file or the new one, never a partial file under the final name.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync, unlinkSync, existsSync, statSync } from "node:fs";
import { dirname, basename, join, resolve } from "node:path";

/**
 * `mkdir -p` that always terminates. Node 20's `mkdirSync(p, { recursive: true })` loops forever when the first
 * missing ancestor cannot be created because its parent reports ENOENT (e.g. `/proc/x`), so `ganc compile -o /proc/x`
 * hung. Walk up to the deepest existing folder and create the rest one level at a time; errors surface as thrown.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let cur = resolve(dir);
  // the deepest existing ancestor; ENOENT collects the level as missing, any other stat error is the caller's
  for (let parent = dirname(cur); ; cur = parent, parent = dirname(cur)) {
    let isDir: boolean;
    try {
      isDir = statSync(cur).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || parent === cur) throw e;
      missing.push(cur);
      continue;
    }
    if (!isDir) throw Object.assign(new Error(`not a directory: ${cur}`), { code: "ENOTDIR" });
    break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}

let counter = 0;

/** Temp-file name used for `path`; exported so tests can simulate a crash between write and rename. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter++}`);
}

/** Write and fsync `data` to `tmp` without renaming (first half of an atomic write). */
export function writeAndSync(tmp: string, data: Uint8Array | string): void {
  const fd = openSync(tmp, "w");
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  // directory fsync makes the rename durable; not supported on every platform, so best effort
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* ignore */
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  makeDirs(dirname(path));
  const tmp = tempPathFor(path);
  try {
    writeAndSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
  syncDir(dirname(path));
}
