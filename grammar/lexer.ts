// The .gan lexer (chevrotain). Token names are stable: the parser, the formatter and error messages use them.
// Malformed lexemes (unterminated strings/comments, invalid numbers) are real tokens so that the front end can
// report them with a precise span and keep going; parse() turns them into diagnostics.
import type { TokenType, CustomPatternMatcherFunc } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.ts";

/** Any identifier or keyword: used where keywords are allowed as plain names (named arguments such as `head=C`). */
export const AnyWord = createToken({ name: "AnyWord", pattern: Lexer.NA });
export const Keyword = createToken({ name: "Keyword", pattern: Lexer.NA });

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [AnyWord],
  label: "a name",
});

function kw(word: string): TokenType {
  return createToken({
    name: word === "E" ? "Expect" : word[0].toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Keyword, AnyWord],
    label: `"${word}"`,
  });
}

export const KEYWORDS = [
  "model", "use", "param", "data", "latent", "weights", "let", "generator", "discriminator", "head", "network",
  "block", "repeat", "loss", "update", "train", "evaluate", "when", "else", "if", "then", "match", "in", "every", "steps", "with",
  "minimizes", "maximizes", "init", "constrain", "int", "real", "bool", "string", "enum", "true", "false", "and",
  "or", "not", "E",
] as const;
export type KeywordWord = (typeof KEYWORDS)[number];

export const KW = Object.fromEntries(KEYWORDS.map((w) => [w, kw(w)])) as Record<KeywordWord, TokenType>;

/** `_` alone: the wildcard of match arms. */
export const Underscore = createToken({ name: "Underscore", pattern: /_/, longer_alt: Identifier, label: '"_"' });

// Numbers. A digit run followed by letters (`12abc`) or a dangling exponent (`2e-`) is one InvalidNumber token.
const matchInvalidNumber: CustomPatternMatcherFunc = (text, offset) => {
  const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
  const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  if (!isDigit(text[offset])) return null;
  let i = offset;
  while (isDigit(text[i])) i++;
  if (text[i] === "." && isDigit(text[i + 1])) {
    i++;
    while (isDigit(text[i])) i++;
  }
  let bad = false;
  if (text[i] === "e" || text[i] === "E") {
    let j = i + 1;
    if (text[j] === "+" || text[j] === "-") j++;
    if (isDigit(text[j])) {
      while (isDigit(text[j])) j++;
    } else {
      bad = true;
    }
    i = j;
  }
  if (isWord(text[i])) bad = true;
  if (!bad) return null;
  while (isWord(text[i]) || (text[i] === "." && isDigit(text[i + 1]))) i++;
  return [text.slice(offset, i)] as unknown as RegExpExecArray;
};
export const InvalidNumber = createToken({
  name: "InvalidNumber",
  pattern: matchInvalidNumber,
  line_breaks: false,
  start_chars_hint: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  label: "an invalid number",
});
export const NumberLit = createToken({
  name: "NumberLit",
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/,
  label: "a number",
});

export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/, label: "a string" });
/** `"...` up to the end of the line without a closing quote. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  label: "an unterminated string",
});

export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\r\n]*/, group: "comments" });
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  line_breaks: true,
  group: "comments",
});
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  line_breaks: true,
  label: "an unterminated comment",
});
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\uFEFF]+/, group: Lexer.SKIPPED, line_breaks: true });

function punct(name: string, pattern: string): TokenType {
  return createToken({ name, pattern: new RegExp(pattern.replace(/[|.*+?^$()[\]{}\\/]/g, "\\$&")), label: `"${pattern}"` });
}
export const PipeOp = punct("PipeOp", "|>");
export const FatArrow = punct("FatArrow", "=>");
export const Arrow = punct("Arrow", "->");
export const EqEq = punct("EqEq", "==");
export const NotEq = punct("NotEq", "!=");
export const LtEq = punct("LtEq", "<=");
export const GtEq = punct("GtEq", ">=");
export const DotDot = punct("DotDot", "..");
export const Lt = punct("Lt", "<");
export const Gt = punct("Gt", ">");
export const Equals = punct("Equals", "=");
export const Plus = punct("Plus", "+");
export const Minus = punct("Minus", "-");
export const Star = punct("Star", "*");
export const Slash = punct("Slash", "/");
export const At = punct("At", "@");
export const Caret = punct("Caret", "^");
export const Tilde = punct("Tilde", "~");
export const Colon = punct("Colon", ":");
export const Semicolon = punct("Semicolon", ";");
export const Comma = punct("Comma", ",");
export const Dot = punct("Dot", ".");
export const LParen = punct("LParen", "(");
export const RParen = punct("RParen", ")");
export const LBracket = punct("LBracket", "[");
export const RBracket = punct("RBracket", "]");
export const LBrace = punct("LBrace", "{");
export const RBrace = punct("RBrace", "}");

/** Tokens the lexer matches, in priority order. */
export const lexerTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLit,
  UnterminatedString,
  InvalidNumber,
  NumberLit,
  PipeOp,
  FatArrow,
  Arrow,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  DotDot,
  Lt,
  Gt,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  At,
  Caret,
  Tilde,
  Colon,
  Semicolon,
  Comma,
  Dot,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  // Longest keywords first so that `in` does not shadow `int` (chevrotain takes the first match).
  ...[...KEYWORDS].sort((a, b) => b.length - a.length).map((w) => KW[w]),
  Underscore,
  Identifier,
];

/** The parser's vocabulary: lexer tokens plus the pattern-less categories. */
export const allTokens: TokenType[] = [...lexerTokens, AnyWord, Keyword];

/** Tokens the parser never accepts; parse() reports each with its own code. */
export const errorTokenTypes: readonly TokenType[] = [UnterminatedString, UnterminatedComment, InvalidNumber];

export const ganLexer = new Lexer(lexerTokens, { positionTracking: "full", ensureOptimizations: true });
