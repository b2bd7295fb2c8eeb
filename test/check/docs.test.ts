// docs/diagnostics.md is generated from the whole code catalog; it must be regenerated when a code changes.
import { expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { docsPath, renderCatalog } from "../../diagnostics/gen-docs.ts";
import { allCodes } from "../../diagnostics/codes/index.ts";

it("docs/diagnostics.md is up to date with the catalog (npm run docs:diagnostics)", () => {
  expect(readFileSync(docsPath, "utf8")).toBe(renderCatalog());
});

it("catalog codes are unique and complete", () => {
  const seen = new Set<string>();
  for (const c of allCodes) {
    expect(seen.has(c.code), c.code).toBe(false);
    seen.add(c.code);
    expect(c.code).toMatch(/^[EW]\d{4}$/);
    expect(c.title && c.example && c.fix, c.code).toBeTruthy();
  }
});
