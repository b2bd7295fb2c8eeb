// The AST: the output of the front end (grammar/) and the input of the checker (compiler/check).
// Every node carries the span of the source text it came from. The AST is plain JSON-serialisable data:
// `ganc check --dump ast` prints it, and golden tests compare it.

import type { Span } from "../diagnostics/diagnostic.ts";

export interface Node {
  span: Span;
}

export interface Ident extends Node {
  kind: "Ident";
  name: string;
}

// ---------- expressions ----------

export type Expr =
  | NumberLit
  | StringLit
  | BoolLit
  | NameRef
  | ListExpr
  | Unary
  | Binary
  | Call
  | Index
  | Member
  | Expect
  | Pipe
  | IfExpr
  | MatchExpr
  | RepeatExpr
  | ErrorExpr;

export interface NumberLit extends Node {
  kind: "Number";
  value: number;
  /** true when written without '.' or exponent: `12` is int, `12.0` and `1e3` are real. */
  isInt: boolean;
  raw: string;
}
export interface StringLit extends Node {
  kind: "String";
  value: string; // unescaped
}
export interface BoolLit extends Node {
  kind: "Bool";
  value: boolean;
}
export interface NameRef extends Node {
  kind: "Name";
  name: string;
}
export interface ListExpr extends Node {
  kind: "List";
  items: Expr[];
}
export interface Unary extends Node {
  kind: "Unary";
  op: "-" | "not";
  operand: Expr;
}
export type BinaryOp = "+" | "-" | "*" | "/" | "div" | "@" | "^" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";
export interface Binary extends Node {
  kind: "Binary";
  op: BinaryOp;
  left: Expr;
  right: Expr;
}
export interface Arg extends Node {
  /** null for positional arguments */
  name: Ident | null;
  value: Expr;
}
export interface Call extends Node {
  kind: "Call";
  callee: Expr; // usually a NameRef; may be a Call for `dense(10)(x)`
  args: Arg[];
}
export interface Index extends Node {
  kind: "Index";
  target: Expr;
  indices: Expr[];
}
export interface Member extends Node {
  kind: "Member";
  target: Expr;
  name: Ident;
}
/** E[x, z] body */
export interface Expect extends Node {
  kind: "Expect";
  vars: Ident[];
  body: Expr;
}
/** left |> right ; right is a layer / function value (NameRef or Call) */
export interface Pipe extends Node {
  kind: "Pipe";
  left: Expr;
  right: Expr;
}
export interface IfExpr extends Node {
  kind: "If";
  cond: Expr;
  then: Expr;
  else: Expr;
}
export interface MatchArm extends Node {
  /** null for the wildcard arm `_` */
  pattern: Ident | null;
  value: Expr;
}
export interface MatchExpr extends Node {
  kind: "Match";
  scrutinee: Expr;
  arms: MatchArm[];
}
/** `repeat N { stage |> ... }`: a pipeline stage (inside a network body) applied N times, each repetition with
 * its own layers; `count` is a compile-time int, `body` a pipeline of stages (layers, blocks, activations) */
export interface RepeatExpr extends Node {
  kind: "Repeat";
  count: Expr;
  body: Expr;
}
/** Placeholder produced by error recovery; the checker skips it silently. */
export interface ErrorExpr extends Node {
  kind: "Error";
}

// ---------- types ----------

export interface TypeExpr extends Node {
  kind: "Type";
  name: Ident; // Real, Image, Logit, Prob, Simplex, Index, ...
  dims: Expr[]; // empty when written without brackets
}

// ---------- declarations ----------

export type Item =
  | ModelDecl
  | UseDecl
  | ParamDecl
  | DataDecl
  | LatentDecl
  | WeightsDecl
  | LetDecl
  | NetworkDecl
  | LossDecl
  | UpdateDecl
  | TrainBlock
  | EvaluateBlock
  | WhenBlock;

export interface ModelDecl extends Node {
  kind: "Model";
  name: Ident;
  description: StringLit | null;
}
export interface UseDecl extends Node {
  kind: "Use";
  path: StringLit;
}
export type ParamType =
  | { kind: "int"; span: Span }
  | { kind: "real"; span: Span }
  | { kind: "bool"; span: Span }
  | { kind: "string"; span: Span }
  | { kind: "enum"; span: Span; members: Ident[] };
export interface ParamDecl extends Node {
  kind: "Param";
  name: Ident;
  type: ParamType;
  range: { lo: Expr; hi: Expr } | null;
  default: Expr;
}
export interface Binding extends Node {
  name: Ident;
  type: TypeExpr;
}
export interface DataDecl extends Node {
  kind: "Data";
  bindings: Binding[];
  source: Expr;
}
export interface LatentDecl extends Node {
  kind: "Latent";
  name: Ident;
  dist: Expr;
}
export interface WeightsDecl extends Node {
  kind: "Weights";
  name: Ident;
  type: TypeExpr;
  init: Expr | null;
  constrain: Expr | null;
  /** `fixed`: a frozen tensor (never updated, no optimizer slots, still checkpointed); the word's span */
  fixed?: Ident;
}
export interface LetDecl extends Node {
  kind: "Let";
  name: Ident;
  value: Expr;
}
/** `block`: a parametric block, expanded with its own layers at each use inside a network body */
export type Role = "generator" | "discriminator" | "head" | "network" | "block";
export interface NetworkDecl extends Node {
  kind: "Network";
  role: Role;
  name: Ident;
  params: Binding[];
  returns: TypeExpr;
  body: Expr;
}
export interface LossDecl extends Node {
  kind: "Loss";
  name: Ident;
  value: Expr;
}
export interface UpdateTarget extends Node {
  name: Ident;
  member: Ident | null; // z.means
}
export interface UpdateDecl extends Node {
  kind: "Update";
  name: Ident;
  targets: UpdateTarget[];
  direction: "minimizes" | "maximizes";
  loss: Ident;
  optimizer: Expr;
  every: Expr | null;
  /** `constrain clip(lo, hi)` / `constrain nonneg`: projects every tensor the update trains after each step */
  constrain?: Expr;
}
export interface Setting extends Node {
  name: Ident;
  value: Expr;
}
export interface TrainBlock extends Node {
  kind: "Train";
  settings: Setting[];
}
export interface EvaluateBlock extends Node {
  kind: "Evaluate";
  every: Expr | null;
  metrics: Expr[];
}
export interface WhenBlock extends Node {
  kind: "When";
  cond: Expr;
  then: Item[];
  else: Item[] | null;
}

export interface Comment {
  text: string; // including the // or /* */ delimiters
  span: Span;
}

export interface Spec extends Node {
  kind: "Spec";
  file: string;
  items: Item[];
  /** All comments in source order; `ganc fmt` re-attaches them. */
  comments: Comment[];
}
