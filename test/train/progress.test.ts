import { describe, expect, it } from "vitest";
import { createProgress } from "../../runtime/train/progress.ts";

function fakeStream(tty: boolean) {
  const chunks: string[] = [];
  const s = {
    isTTY: tty,
    columns: 120,
    write: (c: string) => (chunks.push(String(c)), true),
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => s,
    removeListener: () => s,
  };
  return { s: s as unknown as NodeJS.WriteStream, text: () => chunks.join("") };
}

describe("progress", () => {
  it("off a TTY prints plain lines with steps, rate and losses", () => {
    const f = fakeStream(false);
    const p = createProgress({ total: 10, start: 0, stream: f.s });
    p.update(10, { d_step: -1.23456, g_step: NaN }, 42.5);
    p.log("note: hello");
    p.stop();
    const t = f.text();
    expect(t).toMatch(/10\/10 steps \| 42\.5 steps\/s \| d_step=-1\.2346 g_step=NaN/);
    expect(t).toContain("note: hello\n");
    expect(t).not.toMatch(/\x1b\[/); // no cursor control codes in logs
  });
  it("quiet prints nothing", () => {
    const f = fakeStream(false);
    const p = createProgress({ total: 3, start: 0, stream: f.s, quiet: true });
    p.update(3, { a: 1 }, 1);
    p.stop();
    expect(f.text()).toBe("");
  });
});
