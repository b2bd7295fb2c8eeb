// One process per run directory: RUNDIR/lock holds the pid of the `ganc train` (or trainRun) that writes the run.
// A second process on the same run fails with the holder's pid; a lock whose process is gone (kill -9, a crash,
// a reboot) is stale and taken over. The lock is re-entrant within a process (the CLI takes it before it writes the
// run files, trainRun again around the loop) and released on exit.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { GancRuntimeError } from "../errors.ts";
import { makeDirs } from "../report/atomic.ts";

export const LOCK_FILE = "lock";

export interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

export interface RunLock {
  path: string;
  /** false when this process already held the lock (re-entrant acquire): release() then leaves it */
  acquired: boolean;
  release(): void;
}

/** Is a process with this pid running (on this machine)? EPERM: it exists but is someone else's. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readLock(runDir: string): LockInfo | null {
  try {
    const j = JSON.parse(readFileSync(join(runDir, LOCK_FILE), "utf8")) as Partial<LockInfo>;
    return { pid: Number(j.pid), host: String(j.host ?? ""), started: String(j.started ?? "") };
  } catch {
    return null;
  }
}

/** Create the lock file; false when one exists. */
function tryCreate(path: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(info) + "\n");
  } finally {
    closeSync(fd);
  }
  return true;
}

const held = new Map<string, number>(); // lock path -> re-entrant count in this process
let exitHook = false;

/** Take RUNDIR/lock (creating RUNDIR). Throws GancRuntimeError (code "run-locked") while another live process holds it. */
export function acquireRunLock(runDir: string): RunLock {
  const path = join(runDir, LOCK_FILE);
  const mine = (): RunLock => {
    held.set(path, (held.get(path) ?? 0) + 1);
    return {
      path,
      acquired: held.get(path) === 1,
      release: () => {
        const n = (held.get(path) ?? 1) - 1;
        if (n > 0) return void held.set(path, n);
        held.delete(path);
        unlinkIfMine(path, runDir);
      },
    };
  };
  if (held.has(path)) return mine();
  makeDirs(runDir);
  const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, info)) {
      if (!exitHook) {
        exitHook = true;
        // a process that ends without release (an uncaught error, process.exit) leaves no lock behind
        process.once("exit", () => {
          for (const [p] of held) unlinkIfMine(p, p.slice(0, -LOCK_FILE.length - 1));
        });
      }
      return mine();
    }
    const cur = readLock(runDir);
    if (cur && cur.pid === process.pid && cur.host === info.host) return mine();
    if (cur && (cur.host !== info.host || pidAlive(cur.pid)))
      throw new GancRuntimeError(
        `${runDir} is in use by another ganc process (pid ${cur.pid}${cur.host !== info.host ? ` on ${cur.host}` : ""}, since ${cur.started})`,
        {
          code: "run-locked",
          hint: `wait for it to finish, or stop it (kill ${cur.pid}: it checkpoints and stops); if no such process is training this run, remove ${path}`,
        },
      );
    // stale (its process is gone) or unreadable (a writer died mid-write): move it aside, then create ours.
    // rename is atomic, so of two processes taking over at once one gets ENOENT and tries again
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
      unlinkSync(aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  throw new GancRuntimeError(`cannot take the lock ${path}: other processes keep taking it`, { code: "run-locked" });
}

function unlinkIfMine(path: string, runDir: string): void {
  const cur = readLock(runDir);
  if (cur && cur.pid === process.pid) {
    try {
      unlinkSync(path);
    } catch {
      /* the run directory was removed (a failed new run) */
    }
  }
}
