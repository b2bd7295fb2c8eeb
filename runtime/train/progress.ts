// Training progress: a cli-progress bar on a TTY (steps/s and current losses), plain periodic lines otherwise so
// CI logs stay readable (noTTYOutput with a slow redraw interval).
import cliProgress from "cli-progress";

export interface Progress {
  update(step: number, losses: Record<string, number>, stepsPerSec: number): void;
  log(line: string): void;
  stop(): void;
}

function fmtLosses(l: Record<string, number>): string {
  return Object.entries(l).map(([k, v]) => `${k}=${Number.isFinite(v) ? v.toFixed(4) : String(v)}`).join(" ");
}

export function createProgress(opts: { total: number; start: number; quiet?: boolean; stream?: NodeJS.WriteStream }): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { update() {}, log() {}, stop() {} };
  const tty = Boolean(stream.isTTY);
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: "{bar} {value}/{total} steps | {rate} steps/s | {losses}",
      hideCursor: tty,
      noTTYOutput: !tty,
      // off a TTY, print a plain line every 5 s instead of redrawing
      notTTYSchedule: 5000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(opts.total, opts.start, { rate: "-", losses: "" });
  return {
    update(step, losses, sps) {
      bar.update(step, { rate: sps.toFixed(1), losses: fmtLosses(losses) });
    },
    log(line) {
      // keep messages from being overwritten by the bar
      if (tty) stream.write("\r\x1b[K");
      stream.write(line + "\n");
    },
    stop() {
      bar.stop();
    },
  };
}
