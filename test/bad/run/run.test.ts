// Run-time corpus (E061x): each case runs real ganc commands in process on a tiny spec with its data in a temp
// folder, and the last command's exit code and rendered stderr must equal <case>.expected (the temp folder shown as
// <DIR>). Regenerate with UPDATE_GOLDEN=1 npx vitest run test/bad/run (then review the diff).
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTrain, type TrainCliOptions } from "../../../compiler/cli/commands/train.ts";
import { runSample } from "../../../compiler/cli/commands/sample.ts";
import { expectGolden } from "../../golden.ts";
import { ownDataSpecText } from "../../data/own-spec.ts";

const rows = (n: number) => Array.from({ length: n }, (_, i) => `${((i * 7) % 11) / 10},${((i * 3) % 11) / 10}`).join("\n") + "\n";
const spec = (data: string, d = 2) => ownDataSpecText(data, d);
const opts = (o: Partial<TrainCliOptions>): TrainCliOptions => ({ set: {}, plugin: [], backend: "wasm", eval: false, quiet: true, ...o });

type Step = (dir: string) => Promise<{ code: number; err: string }>;
const capture = async (f: (io: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>) => {
  let err = "";
  const code = await f({ out: () => {}, err: (s) => void (err += s) });
  return { code, err };
};
const train = (o: Partial<TrainCliOptions> = {}): Step => (dir) => capture((io) => runTrain(join(dir, "own.gan"), opts({ out: join(dir, "run"), ...o }), io));
const resume = (o: Partial<TrainCliOptions> = {}): Step => (dir) => capture((io) => runTrain(undefined, opts({ resume: join(dir, "run"), ...o }), io));
const rm = (f: string): Step => async (dir) => (rmSync(join(dir, f)), { code: 0, err: "" });

const cases: [string, string, Record<string, string>, Step[]][] = [
  ["E0611-data-moved", spec('csv(path="d.csv")'), { "d.csv": "a,b\n" + rows(16) }, [train(), rm("d.csv"), resume({ steps: 6 })]],
  ["E0612-nan-cell", spec('csv(path="d.csv")'), { "d.csv": "a,b\n" + rows(16) + "1,NaN\n" }, [train()]],
  ["E0613-width", spec('csv(path="d.csv")', 3), { "d.csv": "a,b\n" + rows(16) }, [train()]],
  ["E0614-resume-below", spec("ring(modes=4, n=64)"), {}, [train({ steps: 4 }), resume({ steps: 2 })]],
  ["E0615-sample-n", spec("ring(modes=4, n=64)"), {}, [train(), (dir) => capture((io) => runSample(join(dir, "run"), { n: 1e12, backend: "wasm" }, io))]],
];

describe("run-time corpus", () => {
  for (const [name, text, files, steps] of cases)
    it(name, async () => {
      const dir = mkdtempSync(join(tmpdir(), "ganc-run-"));
      writeFileSync(join(dir, "own.gan"), text);
      for (const [f, t] of Object.entries(files)) writeFileSync(join(dir, f), t);
      let last = { code: 0, err: "" };
      for (const [i, s] of steps.entries()) {
        last = await s(dir);
        if (i < steps.length - 1) expect(last.code, last.err).toBe(0);
      }
      expect(last.code).toBe(1);
      expect(last.err).toMatch(new RegExp(`^error\\[${name.slice(0, 5)}\\]`));
      expectGolden(join(import.meta.dirname, `${name}.expected`), `exit ${last.code}\n${last.err.split(dir).join("<DIR>")}`, `${name}: output differs`);
    }, 120_000);
});
