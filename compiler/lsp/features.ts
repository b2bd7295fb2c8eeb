// Everything the server does with a document, behind one module so that server.ts can load it after answering
// `initialize`: the front end and checker take most of the server's start-up time, and an editor waits for
// `initialize` before it shows anything.
export { format } from "../../grammar/index.ts";
export { analyze, type Analysis } from "./analysis.ts";
export { complete } from "./completion.ts";
export { toLsp } from "./diagnostics.ts";
export { hover } from "./hover.ts";
export { documentSymbols } from "./outline.ts";
export { quickFixes } from "./quickfix.ts";
export { declsOf, occurrences, symbolAt } from "./symbols.ts";
