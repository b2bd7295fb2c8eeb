// E061x: problems found when a spec runs (ganc train / eval / sample / assign) rather than when it is checked: data
// files read at load time, run directories, sample counts. The runtime's GancRuntimeError codes map onto them
// (runtime/errors.ts, RUNTIME_DIAGNOSTIC_CODES); the CLI renders them like compile-time diagnostics, at the spec's
// data declaration where there is one (compiler/cli/run-command.ts). Each code has a case in test/bad/run/.
import type { CodeInfo } from "./index.ts";

export const DATA_NOT_FOUND = "E0611";
export const DATA_MALFORMED = "E0612";
export const DATA_MISMATCH = "E0613";
export const RESUME_BELOW_STEP = "E0614";
export const SAMPLE_LIMIT = "E0615";

export const runCodes = [
  {
    code: DATA_NOT_FOUND,
    title: "data file not found when the data is loaded",
    example: 'data x: Real[2] = csv(path="d.csv")   // d.csv was moved away after the run started; ganc train --resume RUN',
    fix: "Put the file back where the spec names it (relative paths are relative to the spec's original folder, which overrides.json records as specDir), or start a new run. `ganc check` reports a missing file as E0321 before a run starts.",
  },
  {
    code: DATA_MALFORMED,
    title: "malformed data values",
    example: 'data x: Real[2] = csv(path="d.csv")   // d.csv line 12: 1,NaN',
    fix: "The message names the file and line (or row) of the first bad value: non-numeric cells, NaN / Inf, values beyond float32, rows of the wrong width, images of another size, truncated payloads. Fix or drop that row; `ganc check` validates only the file's header.",
  },
  {
    code: DATA_MISMATCH,
    title: "loaded data does not match the declaration",
    example: 'data x: Real[3] = csv(path="d.csv")   // d.csv has 2 columns',
    fix: "Declare the type the data has (the message gives both shapes), or select the columns with the source's options (csv label=..., npy labels=...).",
  },
  {
    code: RESUME_BELOW_STEP,
    title: "--resume --steps below the run's current step",
    example: "ganc train --resume runs/m --steps 100   // the run is at step 500",
    fix: "A run never trains backwards: give --steps above the run's current step to train further, leave --steps out to continue to the original target, or start a new run (ganc train SPEC --init-from RUN to reuse its weights).",
  },
  {
    code: SAMPLE_LIMIT,
    title: "sample count beyond the memory limit",
    example: "evaluate { ndb(samples=1000000000000) }   // or: ganc sample RUN -n 1e12",
    fix: "Ask for fewer samples: the message gives the limit, the memory the samples would take and the memory there is. For more samples than fit at once, call ganc sample several times (with --csv) and combine the files.",
  },
] as const satisfies readonly CodeInfo[];
