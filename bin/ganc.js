#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI with tsx's loader so that `ganc` works after `npm install` without a build.
// Ctrl-C and SIGTERM reach the child (same process group / forwarded); the launcher waits for it to finish its
// checkpoint and exits with its status instead of dying first. A launcher killed with SIGKILL cannot forward
// anything: the child notices through the IPC channel closing (compiler/cli/main.ts) and stops with a checkpoint.
// The child is node itself with `--import tsx`, NOT tsx's cli: that cli relays signals through one more process
// and SIGKILLs its child when it has not acknowledged a signal within ~60 ms, which a busy training step never
// does; `ganc train` then died without its checkpoint.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsxLoader = import.meta.resolve("tsx");
const child = spawn(process.execPath, ["--import", tsxLoader, join(root, "compiler/cli/main.ts"), ...process.argv.slice(2)], {
  // fd 3 is an IPC channel that only signals the launcher's death: when it is SIGKILLed (kill -9 of `npx ganc`),
  // the channel closes, and the child stops as on SIGTERM (a checkpoint) instead of training on as an orphan
  stdio: ["inherit", "inherit", "inherit", "ipc"],
  env: { ...process.env, GANC_LAUNCHER_IPC: "1" },
});
// Forward both: a `kill -INT` of this process alone must stop training too. A terminal's Ctrl-C signals the whole
// foreground group, so the child then sees SIGINT twice, which its handler treats as one stop.
process.on("SIGINT", () => child.kill("SIGINT"));
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal === "SIGINT" ? 130 : 1));
});
