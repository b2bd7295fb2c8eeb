// The Slurm executor: one `sbatch --array` script (DIR/slurm/sweep.sbatch), a task per point, each running
// `ganc sweep run-point DIR $SLURM_ARRAY_TASK_ID`; a requeued (or preempted and resubmitted) task finds the run's
// checkpoint and resumes it. Status comes from `squeue` and the runs' own files (sacct needs accounting storage).
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { makeDirs, writeFileAtomic } from "../report/atomic.ts";
import { SweepError } from "./grid.ts";
import type { SlurmOptions, SweepManifest } from "./manifest.ts";

/** Quote for bash (single quotes). */
export const shq = (s: string) => (/^[A-Za-z0-9_./=:,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Compress indices into an --array spec: 0-3,5,7-9 */
export function arraySpec(indices: number[]): string {
  const xs = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    parts.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** The batch script. `command` is the argv that runs one point, the index appended at run time. */
export function sbatchScript(dir: string, m: SweepManifest, o: SlurmOptions, command: string[]): string {
  const abs = resolve(dir);
  // #SBATCH lines are split on whitespace, without shell quoting
  for (const [what, v] of [["the sweep directory", abs], ["--partition", o.partition], ["--time", o.time], ["--gres", o.gres]] as const)
    if (v !== undefined && /\s/.test(v)) throw new SweepError(`${what} "${v}" has whitespace in it, which an #SBATCH line cannot hold`);
  const lines = [
    "#!/bin/bash",
    `# ganc sweep of ${m.spec}: one array task per point (see sweep.json); written by ganc sweep, submitted with`,
    "# sbatch --array=<points> (and any --sbatch-arg) on the command line. A requeued task resumes its run.",
    `#SBATCH --job-name=ganc-${m.model}`,
    `#SBATCH --output=${join(abs, "logs", "slurm-%A_%a.out")}`,
    "#SBATCH --open-mode=append",
    "#SBATCH --requeue",
    `#SBATCH --chdir=${abs}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.cpusPerTask ? [`#SBATCH --cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.gres ? [`#SBATCH --gres=${o.gres}`] : []),
    "# SIGTERM (scancel, preemption, the time limit) makes ganc write a checkpoint and stop: the task resumes later",
    "set -u",
    `exec ${command.map(shq).join(" ")} "$SLURM_ARRAY_TASK_ID"`,
    "",
  ];
  return lines.join("\n");
}

function run(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new SweepError(
        `\`${cmd}\` was not found on PATH: --executor slurm needs Slurm's client commands`,
        "run on a Slurm login node, or install them (Debian: apt-get install slurm-client); --executor local runs here",
      );
    throw new SweepError(`\`${cmd}\` could not be run: ${r.error.message}`);
  }
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Write the script and submit the given points; returns the job id. */
export function submitArray(dir: string, m: SweepManifest, o: SlurmOptions, command: string[], indices: number[]): { jobId: string; array: string; script: string } {
  const script = join(dir, "slurm", "sweep.sbatch");
  writeFileAtomic(script, sbatchScript(dir, m, o, command));
  // Slurm does not create the folder of --output: a task whose log cannot be opened fails before it starts
  makeDirs(join(dir, "logs"));
  const array = arraySpec(indices);
  const args = ["--parsable", `--array=${array}`, ...o.sbatchArgs, script];
  const r = run("sbatch", args);
  if (r.code !== 0) {
    const msg = (r.stderr || r.stdout).trim() || "(no output)";
    throw new SweepError(`sbatch failed (exit ${r.code}): ${msg}`, `the command was: sbatch ${args.map(shq).join(" ")}`);
  }
  const jobId = r.stdout.trim().split(";")[0]!.trim();
  if (!/^\d+$/.test(jobId)) throw new SweepError(`sbatch printed no job id: ${JSON.stringify(r.stdout.trim())}`);
  return { jobId, array, script };
}

/** Array tasks of the given jobs still in the queue: point index -> Slurm state (PENDING, RUNNING, ...). */
export function squeueTasks(jobIds: string[]): Map<number, { state: string; task: string; reason: string }> {
  const out = new Map<number, { state: string; task: string; reason: string }>();
  if (jobIds.length === 0) return out;
  const r = run("squeue", ["-h", "-r", "-j", jobIds.join(","), "-o", "%i|%T|%r"]);
  // a job that has left the queue entirely makes squeue fail with "Invalid job id specified"
  if (r.code !== 0 && !/Invalid job id/i.test(r.stderr)) {
    throw new SweepError(`squeue failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  for (const line of r.stdout.split("\n")) {
    const [id, state, reason] = line.trim().split("|");
    const mt = /^(\d+)_(\d+)$/.exec(id ?? "");
    if (mt && state) out.set(Number(mt[2]), { state, task: id!, reason: reason ?? "" });
  }
  return out;
}

/** Is a Slurm client command on PATH? */
export function haveCommand(cmd: string): boolean {
  const r = spawnSync("sh", ["-c", `command -v ${shq(cmd)}`], { encoding: "utf8" });
  return r.status === 0;
}
