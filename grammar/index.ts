// Public API of the front end: parse and format .gan text. Neither throws.
export { parse, lex, positionAt, type ParseResult } from "./parse.ts";
export { format, type FormatResult } from "./format.ts";
export type * from "./ast.ts";
