import type { CodeInfo } from "./index.ts";

export const semanticCodes: CodeInfo[] = [];
