// `ganc view [DIR...]`: a read-only dashboard over run and sweep directories, served on 127.0.0.1 (see
// docs/dashboard.md). Exit 1 before serving when a DIR is not a run, a sweep or a folder of runs.
import type { Command } from "@commander-js/extra-typings";
import { ViewError } from "../../../runtime/view/data.ts";
import { startViewServer } from "../../../runtime/view/server.ts";

export function registerView(program: Command): void {
  program
    .command("view")
    .description("serve a dashboard of run and sweep directories on 127.0.0.1 (read-only; re-reads them live)")
    .argument("[dirs...]", "run directories, sweep directories (sweep.json) or folders of runs (default: runs)")
    .option("--port <n>", "port to listen on (default: any free port)")
    .action(async (dirs, o) => {
      const port = o.port === undefined ? 0 : Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(`ganc view: --port must be an integer in 0..65535, got ${JSON.stringify(o.port)}`);
        process.exit(2);
      }
      const roots = dirs.length ? dirs : ["runs"];
      try {
        const s = await startViewServer(roots, { port, title: `ganc view: ${roots.join(" ")}` });
        console.log(`ganc view: serving ${roots.join(", ")} at ${s.url} (Ctrl-C to stop)`);
        const stop = () => void s.close().then(() => process.exit(0));
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      } catch (e) {
        if (e instanceof ViewError) {
          console.error(`ganc view: ${e.message}`);
          process.exit(1);
        }
        const err = e as NodeJS.ErrnoException;
        if (err.code === "EADDRINUSE" || err.code === "EACCES") {
          console.error(`ganc view: cannot listen on 127.0.0.1:${port}: ${err.message}`);
          process.exit(1);
        }
        throw e;
      }
    });
}
