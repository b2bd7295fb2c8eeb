// `ganc report RUN... -o report.html`: the dashboard's views (run list, loss and metric curves, sample grids, a
// side-by-side comparison) as one self-contained HTML file that opens offline (see docs/dashboard.md).
import type { Command } from "@commander-js/extra-typings";
import { writeFileSync } from "node:fs";
import { ViewError } from "../../../runtime/view/data.ts";
import { buildReport } from "../../../runtime/view/report.ts";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("write a self-contained HTML report (curves, sample grids, metrics) of runs or sweeps")
    .argument("<dirs...>", "run directories, sweep directories (sweep.json) or folders of runs")
    .requiredOption("-o, --out <file>", "the HTML file to write")
    .action((dirs, o) => {
      let html: string;
      try {
        html = buildReport(dirs, `ganc report: ${dirs.join(" ")}`);
      } catch (e) {
        if (e instanceof ViewError) {
          console.error(`ganc report: ${e.message}`);
          process.exit(1);
        }
        throw e;
      }
      writeFileSync(o.out, html);
      console.log(`ganc report: wrote ${o.out} (${(html.length / 1024).toFixed(0)} KiB)`);
    });
}
