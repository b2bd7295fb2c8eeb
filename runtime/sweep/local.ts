// The local executor: a pool of `jobs` child processes, one per point (`ganc sweep run-point DIR i`), so a point
// that fails, runs out of memory or is killed does not take the sweep down. Each child's output goes to
// DIR/logs/<id>.log. Ctrl-C / SIGTERM reach the children (they checkpoint and stop); no new point starts after it.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { makeDirs } from "../report/atomic.ts";
import { readPointState, writePointState, type SweepManifest, type SweepPoint } from "./manifest.ts";

export interface LocalPoolOptions {
  jobs: number;
  /** argv (command first) that runs point i of the sweep in dir */
  pointCommand: (dir: string, index: number) => string[];
  /** after each point ends (the coordinator folds and writes sweep.json) */
  onPointEnd?: (p: SweepPoint, code: number | null, signal: NodeJS.Signals | null) => void;
  onPointStart?: (p: SweepPoint, pid: number) => void;
}

/** Run the points; resolves when all have ended (or, after an interrupt, the running ones have). */
export async function runLocalPool(dir: string, m: SweepManifest, todo: SweepPoint[], o: LocalPoolOptions): Promise<{ interrupted: boolean }> {
  const queue = [...todo];
  const running = new Map<number, ReturnType<typeof spawn>>();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = true;
    for (const c of running.values()) c.kill(sig);
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  makeDirs(join(dir, "logs"));
  try {
    await new Promise<void>((resolveAll) => {
      const launch = () => {
        while (!interrupted && running.size < Math.max(1, o.jobs) && queue.length) {
          const p = queue.shift()!;
          const [cmd, ...args] = o.pointCommand(dir, p.index);
          const log = openSync(join(dir, "logs", `${p.id}.log`), "a");
          const child = spawn(cmd!, args, { stdio: ["ignore", log, log] });
          closeSync(log);
          running.set(p.index, child);
          o.onPointStart?.(p, child.pid ?? -1);
          const done = (code: number | null, signal: NodeJS.Signals | null) => {
            if (!running.delete(p.index)) return;
            // a child that died without writing its final status (SIGKILL, OOM): record it as killed
            const st = readPointState(dir, p);
            if (signal !== null || !st || st.status === "running") {
              writePointState(dir, p, {
                status: "killed",
                pid: child.pid ?? -1,
                host: hostname(),
                started: st?.started ?? new Date().toISOString(),
                finished: new Date().toISOString(),
                attempt: st?.attempt ?? p.attempts + 1,
                exit_code: code,
                error: signal ? `killed by ${signal}` : `exited ${code} without recording a result (see logs/${p.id}.log)`,
              });
            }
            o.onPointEnd?.(p, code, signal);
            if (running.size === 0 && (interrupted || queue.length === 0)) resolveAll();
            else launch();
          };
          child.on("exit", done);
          child.on("error", (e) => {
            writePointState(dir, p, {
              status: "failed", pid: -1, host: hostname(), started: new Date().toISOString(), attempt: p.attempts + 1,
              exit_code: null, error: `could not start ${cmd}: ${e.message}`,
            });
            done(null, null);
          });
        }
        if (running.size === 0) resolveAll();
      };
      launch();
    });
  } finally {
    process.removeListener("SIGINT", onInt);
    process.removeListener("SIGTERM", onTerm);
  }
  return { interrupted };
}
