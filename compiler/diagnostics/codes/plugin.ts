import type { CodeInfo } from "./index.ts";

export const pluginCodes: CodeInfo[] = [];
