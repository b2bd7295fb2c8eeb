// Human error messages for chevrotain's recognition errors: say what was expected, where, and what was found.
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF, tokenLabel } from "./chevrotain.ts";

/** What a rule is, for "expected ... in <rule>" and "expected <rule>" messages. */
export const RULE_DESCRIPTIONS: Record<string, string> = {
  spec: "a declaration",
  item: "a declaration",
  modelDecl: "the model declaration",
  useDecl: "the use declaration",
  paramDecl: "the param declaration",
  paramType: "a parameter type (int, real, bool, string or enum { ... })",
  dataDecl: "the data declaration",
  binding: "a typed binding (name: Type)",
  latentDecl: "the latent declaration",
  weightsDecl: "the weights declaration",
  letDecl: "the let declaration",
  networkDecl: "the network declaration",
  lossDecl: "the loss declaration",
  updateDecl: "the update declaration",
  target: "an update target",
  trainBlock: "the train block",
  setting: "a train setting",
  evaluateBlock: "the evaluate block",
  whenBlock: "the when block",
  typeExpr: "a type",
  arm: "a match arm",
  matchExpr: "the match expression",
  ifExpr: "the if expression",
  expectExpr: "the expectation E[...]",
};

/** Specific phrasing for common mistakes: `${rule}:${expectedToken}` -> "after ..." context. */
const AFTER: Record<string, string> = {
  "paramDecl:Equals": "after the parameter type",
  "paramDecl:Colon": "after the parameter name",
  "paramDecl:DotDot": "between the bounds of the range",
  "paramDecl:Identifier": 'after "param"',
  "latentDecl:Tilde": "after the latent's name",
  "letDecl:Equals": "after the name",
  "lossDecl:Equals": "after the loss name",
  "networkDecl:Arrow": "after the argument list",
  "networkDecl:Equals": "after the return type",
  "networkDecl:LParen": "after the network name",
  "dataDecl:Equals": "after the data bindings",
  "binding:Colon": "after the name",
  "updateDecl:With": "after the loss name",
  "updateDecl:Colon": "after the update name",
  "updateDecl:Identifier": 'after "minimizes"/"maximizes"',
  "matchExpr:LBrace": "after the matched expression",
  "ifExpr:Then": "after the condition",
  "ifExpr:Else": "after the then branch",
  "arm:FatArrow": "after the arm's pattern",
  "whenBlock:LBrace": "after the condition",
  "expectExpr:LBracket": 'after "E"',
};

export function foundText(tok: IToken | undefined): string {
  if (!tok || tok.tokenType === EOF) return "end of input";
  const img = tok.image.length > 30 ? tok.image.slice(0, 27) + "..." : tok.image;
  return JSON.stringify(img);
}

function label(t: TokenType): string {
  return tokenLabel(t);
}

/** "a", "a or b", "a, b or c" */
export function listOr(items: string[]): string {
  const u = [...new Set(items)];
  if (u.length <= 1) return u[0] ?? "";
  if (u.length > 8) return `${u.slice(0, 8).join(", ")}, ...`;
  return `${u.slice(0, -1).join(", ")} or ${u[u.length - 1]}`;
}

function firstTokensLabels(paths: TokenType[][][]): string[] {
  const out: string[] = [];
  for (const alt of paths) for (const p of alt) if (p[0]) out.push(label(p[0]));
  return out;
}

function describeExpected(labels: string[], ruleName: string): string {
  const isDecl = ruleName === "item" || ruleName === "spec";
  if (isDecl) return "a declaration (model, use, param, data, latent, weights, let, a network, loss, update, train, evaluate or when)";
  const exprStarts = ['"("', '"["', "a number", "a string", "a name", '"true"', '"false"'];
  if (exprStarts.every((s) => labels.includes(s))) return "an expression";
  return listOr(labels);
}

export const ganErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    const where = AFTER[`${ruleName}:${expected.name}`];
    const ctx = where ? ` ${where}` : previous && previous.tokenType !== EOF && previous.image ? ` after ${foundText(previous)}` : "";
    const inRule = !where && RULE_DESCRIPTIONS[ruleName] && !RULE_DESCRIPTIONS[ruleName].startsWith("a ") ? ` in ${RULE_DESCRIPTIONS[ruleName]}` : "";
    return `expected ${label(expected)}${ctx}${inRule}, found ${foundText(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a declaration, found ${foundText(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, ruleName }) {
    const what = describeExpected(firstTokensLabels(expectedPathsPerAlt), ruleName);
    const ctx = previous && previous.tokenType !== EOF && previous.image ? ` after ${foundText(previous)}` : "";
    return `expected ${what}${ctx}, found ${foundText(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, ruleName }) {
    const what = describeExpected(expectedIterationPaths.map((p) => label(p[0])), ruleName);
    const ctx = previous && previous.tokenType !== EOF && previous.image ? ` after ${foundText(previous)}` : "";
    return `expected ${what}${ctx}, found ${foundText(actual[0])}`;
  },
};
