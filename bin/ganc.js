#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI with tsx's loader so that `ganc` works after `npm install` without a build.
// Ctrl-C and SIGTERM reach the child (same process group / forwarded); the launcher waits for it to finish its
// checkpoint and exits with its status instead of dying first.
// The child is node itself with `--import tsx`, NOT tsx's cli: that cli relays signals through one more process
// and SIGKILLs its child when it has not acknowledged a signal within ~60 ms, which a busy training step never
// does; `ganc train` then died without its checkpoint.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsxLoader = import.meta.resolve("tsx");
const child = spawn(process.execPath, ["--import", tsxLoader, join(root, "compiler/cli/main.ts"), ...process.argv.slice(2)], {
  stdio: "inherit",
});
// Forward both: a `kill -INT` of this process alone must stop training too. A terminal's Ctrl-C signals the whole
// foreground group, so the child then sees SIGINT twice, which its handler treats as one stop.
process.on("SIGINT", () => child.kill("SIGINT"));
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal === "SIGINT" ? 130 : 1));
});
