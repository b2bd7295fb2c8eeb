#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so that `ganc` works after `npm install` without a build.
// Ctrl-C and SIGTERM reach the child (same process group / forwarded); the launcher waits for it to finish its
// checkpoint and exits with its status instead of dying first.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const tsxCli = require.resolve("tsx/cli");
const child = spawn(process.execPath, [tsxCli, join(root, "compiler/cli/main.ts"), ...process.argv.slice(2)], {
  stdio: "inherit",
});
// A terminal's Ctrl-C already signals the whole foreground group; forward only what was sent to us alone.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal === "SIGINT" ? 130 : 1));
});
