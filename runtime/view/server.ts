// `ganc view`'s HTTP server (node:http, bound to 127.0.0.1 only). Read-only: it serves the page, vega/vega-lite
// from node_modules, GET /api/data (every run re-read from disk on each request) and the PNG/SVG images runs wrote
// under samples/ and plots/. It never writes anything.

import { createReadStream, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname } from "node:path";
import { findSources, readAll, runImagePath, ViewError } from "./data.ts";
import { assetPath, livePage } from "./page.ts";

export interface ViewServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".js": "text/javascript; charset=utf-8",
};

function send(res: ServerResponse, code: number, type: string, body: string | Buffer): void {
  res.writeHead(code, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

export function handler(dirs: readonly string[], title: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "read-only server: GET only\n");
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const path = decodeURIComponent(url.pathname);
      if (path === "/" || path === "/index.html") return send(res, 200, "text/html; charset=utf-8", livePage(title));
      if (path === "/api/data") {
        try {
          return send(res, 200, "application/json", JSON.stringify(readAll(dirs)));
        } catch (e) {
          // e.g. a run directory removed while serving
          const msg = e instanceof ViewError ? e.message : `could not read the runs: ${(e as Error).message}`;
          return send(res, 500, "text/plain; charset=utf-8", msg);
        }
      }
      if (path === "/app.js" || path.startsWith("/vendor/")) {
        const file = assetPath(path.replace(/^\/(vendor\/)?/, ""));
        if (!file) return send(res, 404, "text/plain", "not found\n");
        return send(res, 200, TYPES[".js"]!, readFileSync(file));
      }
      const m = /^\/files\/([^/]+)\/(.+)$/.exec(path);
      if (m) {
        const run = findSources(dirs).runs.find((r) => r.id === m[1]);
        const file = run ? runImagePath(run, m[2]!) : null;
        if (!file) return send(res, 404, "text/plain", "not found\n");
        const type = TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
        res.writeHead(200, { "content-type": type, "content-length": statSync(file).size, "cache-control": "no-store" });
        if (req.method === "HEAD") return void res.end();
        createReadStream(file).pipe(res);
        return;
      }
      send(res, 404, "text/plain", "not found\n");
    } catch (e) {
      send(res, 500, "text/plain; charset=utf-8", `internal error: ${(e as Error).message}\n`);
    }
  };
}

/** Check the directories (throws ViewError naming a bad one) and start serving them on 127.0.0.1:`port` (0: any free
 * port). */
export async function startViewServer(dirs: readonly string[], opts: { port?: number; title?: string } = {}): Promise<ViewServer> {
  findSources(dirs); // fail before listening when a DIR is not a run or sweep
  const server = createServer(handler(dirs, opts.title ?? "ganc view"));
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
