import type { CodeInfo } from "./index.ts";

export const syntaxCodes: CodeInfo[] = [];
