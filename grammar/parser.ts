// The .gan parser: chevrotain EmbeddedActionsParser that builds the AST (grammar/ast.ts) directly, with spans.
// The grammar follows the EBNF in docs/language.md rule for rule. Error recovery (single-token insertion/deletion
// and re-sync between declarations) is chevrotain's; failed sub-parts become `Error` expressions or empty names.
import type { IToken, TokenType } from "chevrotain";
import { EmbeddedActionsParser, EOF } from "./chevrotain.ts";
import * as T from "./lexer.ts";
import type * as A from "./ast.ts";
import type { DiagnosticCode, Position, Span } from "../diagnostics/diagnostic.ts";
import { ganErrorMessages } from "./messages.ts";

const K = T.KW;

/** Rule-stack depth beyond which parsing stops with "nesting too deep" (keeps far below the JS stack limit). */
export const MAX_RULE_DEPTH = 700; // about 50 levels of parentheses; chevrotain uses ~14 rules per level

export class NestingTooDeep extends Error {
  constructor(public readonly token: IToken) {
    super("nesting too deep");
  }
}

export class GanParser extends EmbeddedActionsParser {
  file = "<input>";
  /** Offsets of line starts in the current text, for positions of synthetic spans. */
  private textLength = 0;
  private lastLine = 1;
  private lastColumn = 1;
  /** Syntax errors found while building the AST (not chevrotain's), e.g. a positional argument after named ones. */
  extraErrors: { code: DiagnosticCode; message: string; span: Span; hints: string[] }[] = [];

  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: ganErrorMessages });
    this.performSelfAnalysis();
  }

  setInput(tokens: IToken[], file: string, text: string): void {
    this.file = file;
    this.textLength = text.length;
    // Position of the end of the input, for spans at EOF.
    let line = 1;
    let lastNl = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
        line++;
        lastNl = i;
      }
    }
    this.lastLine = line;
    this.lastColumn = text.length - lastNl;
    this.extraErrors = [];
    this.input = tokens;
  }

  // ---------- span helpers ----------

  private real(tok: IToken | undefined): boolean {
    return tok !== undefined && tok.tokenType !== EOF && Number.isFinite(tok.startOffset) && !tok.isInsertedInRecovery;
  }
  startPos(tok: IToken | undefined): Position {
    if (tok && this.real(tok)) return { line: tok.startLine!, column: tok.startColumn!, offset: tok.startOffset };
    return { line: this.lastLine, column: this.lastColumn, offset: this.textLength };
  }
  endPos(tok: IToken | undefined): Position {
    if (tok && this.real(tok)) return { line: tok.endLine!, column: tok.endColumn! + 1, offset: tok.endOffset! + 1 };
    return { line: this.lastLine, column: this.lastColumn, offset: this.textLength };
  }
  /** Span from `first` (the rule's first token) to the last consumed token. */
  private spanFrom(first: IToken): Span {
    const start = this.startPos(first);
    let last = this.LA(0);
    let end = this.endPos(last);
    if (!this.real(last) || end.offset < start.offset) end = start;
    if (!this.real(first)) {
      // Nothing real at the start (EOF / inserted): zero-width span at the end of the last consumed token.
      const p = this.real(last) ? this.endPos(last) : start;
      return { file: this.file, start: p, end: p };
    }
    return { file: this.file, start, end };
  }
  private tokSpan(tok: IToken): Span {
    if (!this.real(tok)) {
      const p = this.real(this.LA(0)) ? this.endPos(this.LA(0)) : this.startPos(undefined);
      return { file: this.file, start: p, end: p };
    }
    return { file: this.file, start: this.startPos(tok), end: this.endPos(tok) };
  }
  private joinSpan(a: Span, b: Span): Span {
    return { file: this.file, start: a.start, end: b.end.offset >= a.end.offset ? b.end : a.end };
  }
  private ident(tok: IToken): A.Ident {
    return { kind: "Ident", name: tok.isInsertedInRecovery ? "" : tok.image, span: this.tokSpan(tok) };
  }
  private errExpr(): A.ErrorExpr {
    const p = this.real(this.LA(0)) ? this.endPos(this.LA(0)) : this.startPos(this.LA(1));
    return { kind: "Error", span: { file: this.file, start: p, end: p } };
  }
  private orErr(e: A.Expr | undefined): A.Expr {
    return e ?? this.errExpr();
  }
  private guardDepth(): void {
    const depth = (this as unknown as { RULE_STACK_IDX: number }).RULE_STACK_IDX;
    if (depth > MAX_RULE_DEPTH) throw new NestingTooDeep(this.LA(1));
  }

  // ---------- declarations ----------

  spec = this.RULE("spec", (): A.Item[] => {
    const items: A.Item[] = [];
    this.MANY(() => {
      const it = this.SUBRULE(this.item);
      this.ACTION(() => it && items.push(it));
    });
    return items;
  });

  item = this.RULE("item", (): A.Item => {
    return this.OR([
      { ALT: () => this.SUBRULE(this.modelDecl) },
      { ALT: () => this.SUBRULE(this.useDecl) },
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.dataDecl) },
      { ALT: () => this.SUBRULE(this.latentDecl) },
      { ALT: () => this.SUBRULE(this.weightsDecl) },
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.networkDecl) },
      { ALT: () => this.SUBRULE(this.lossDecl) },
      { ALT: () => this.SUBRULE(this.updateDecl) },
      { ALT: () => this.SUBRULE(this.trainBlock) },
      { ALT: () => this.SUBRULE(this.evaluateBlock) },
      { ALT: () => this.SUBRULE(this.whenBlock) },
    ]);
  });

  modelDecl = this.RULE("modelDecl", (): A.ModelDecl => {
    const first = this.CONSUME(K.model);
    const name = this.CONSUME(T.Identifier);
    let desc: IToken | undefined;
    this.OPTION(() => {
      desc = this.CONSUME(T.StringLit);
    });
    return this.ACTION(() => ({
      kind: "Model" as const,
      name: this.ident(name),
      description: desc ? this.stringLit(desc) : null,
      span: this.spanFrom(first),
    }));
  });

  useDecl = this.RULE("useDecl", (): A.UseDecl => {
    const first = this.CONSUME(K.use);
    const path = this.CONSUME(T.StringLit);
    return this.ACTION(() => ({ kind: "Use" as const, path: this.stringLit(path), span: this.spanFrom(first) }));
  });

  paramDecl = this.RULE("paramDecl", (): A.ParamDecl => {
    const first = this.CONSUME(K.param);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.paramType);
    let range: { lo: A.Expr; hi: A.Expr } | null = null;
    this.OPTION(() => {
      this.CONSUME(K.in);
      const lo = this.SUBRULE(this.expression);
      this.CONSUME(T.DotDot);
      const hi = this.SUBRULE2(this.expression);
      this.ACTION(() => {
        range = { lo: this.orErr(lo), hi: this.orErr(hi) };
      });
    });
    this.CONSUME(T.Equals);
    const def = this.SUBRULE3(this.expression);
    return this.ACTION(() => ({
      kind: "Param" as const,
      name: this.ident(name),
      type: type ?? { kind: "int" as const, span: this.tokSpan(name) },
      range,
      default: this.orErr(def),
      span: this.spanFrom(first),
    }));
  });

  paramType = this.RULE("paramType", (): A.ParamType => {
    return this.OR([
      { ALT: () => this.simpleParamType(this.CONSUME(K.int), "int") },
      { ALT: () => this.simpleParamType(this.CONSUME(K.real), "real") },
      { ALT: () => this.simpleParamType(this.CONSUME(K.bool), "bool") },
      { ALT: () => this.simpleParamType(this.CONSUME(K.string), "string") },
      {
        ALT: () => {
          const first = this.CONSUME(K.enum);
          this.CONSUME(T.LBrace);
          const members: A.Ident[] = [];
          const m = this.CONSUME(T.Identifier);
          this.ACTION(() => members.push(this.ident(m)));
          this.MANY(() => {
            this.CONSUME(T.Comma);
            const m2 = this.CONSUME2(T.Identifier);
            this.ACTION(() => members.push(this.ident(m2)));
          });
          this.CONSUME(T.RBrace);
          return this.ACTION(() => ({ kind: "enum" as const, members, span: this.spanFrom(first) }));
        },
      },
    ]);
  });
  private simpleParamType(tok: IToken, kind: "int" | "real" | "bool" | "string"): A.ParamType {
    return this.ACTION(() => ({ kind, span: this.tokSpan(tok) }));
  }

  dataDecl = this.RULE("dataDecl", (): A.DataDecl => {
    const first = this.CONSUME(K.data);
    const bindings: A.Binding[] = [];
    const b = this.SUBRULE(this.binding);
    this.ACTION(() => b && bindings.push(b));
    this.MANY(() => {
      this.CONSUME(T.Comma);
      const b2 = this.SUBRULE2(this.binding);
      this.ACTION(() => b2 && bindings.push(b2));
    });
    this.CONSUME(T.Equals);
    const source = this.SUBRULE(this.expression);
    return this.ACTION(() => ({ kind: "Data" as const, bindings, source: this.orErr(source), span: this.spanFrom(first) }));
  });

  binding = this.RULE("binding", (): A.Binding => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    // `w: int` / `w: real`: a block's compile-time argument (the checker refuses them elsewhere)
    const type = this.OR([
      { ALT: () => this.scalarType(this.CONSUME(K.int)) },
      { ALT: () => this.scalarType(this.CONSUME(K.real)) },
      { ALT: () => this.SUBRULE(this.typeExpr) },
    ]);
    return this.ACTION(() => ({ name: this.ident(name), type: type ?? this.errType(), span: this.spanFrom(name) }));
  });

  latentDecl = this.RULE("latentDecl", (): A.LatentDecl => {
    const first = this.CONSUME(K.latent);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Tilde);
    const dist = this.SUBRULE(this.expression);
    return this.ACTION(() => ({ kind: "Latent" as const, name: this.ident(name), dist: this.orErr(dist), span: this.spanFrom(first) }));
  });

  weightsDecl = this.RULE("weightsDecl", (): A.WeightsDecl => {
    const first = this.CONSUME(K.weights);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpr);
    let init: A.Expr | null = null;
    let constrain: A.Expr | null = null;
    this.OPTION(() => {
      this.CONSUME(K.init);
      const e = this.SUBRULE(this.expression);
      this.ACTION(() => (init = this.orErr(e)));
    });
    this.OPTION2(() => {
      this.CONSUME(K.constrain);
      const e = this.SUBRULE2(this.expression);
      this.ACTION(() => (constrain = this.orErr(e)));
    });
    // `fixed` (a contextual word, not a keyword: fixed(...) stays a prior function): frozen, never updated
    let fixed: A.Ident | null = null;
    this.OPTION3({
      GATE: () => this.LA(1).tokenType === T.Identifier && this.LA(1).image === "fixed" && this.LA(2).tokenType !== T.LParen,
      DEF: () => {
        const tok = this.CONSUME2(T.Identifier);
        this.ACTION(() => (fixed = this.ident(tok)));
      },
    });
    return this.ACTION(() => ({
      kind: "Weights" as const,
      name: this.ident(name),
      type: type ?? this.errType(),
      init,
      constrain,
      ...(fixed ? { fixed } : {}),
      span: this.spanFrom(first),
    }));
  });

  letDecl = this.RULE("letDecl", (): A.LetDecl => {
    const first = this.CONSUME(K.let);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.expression);
    return this.ACTION(() => ({ kind: "Let" as const, name: this.ident(name), value: this.orErr(value), span: this.spanFrom(first) }));
  });

  networkDecl = this.RULE("networkDecl", (): A.NetworkDecl => {
    const first = this.OR([
      { ALT: () => this.CONSUME(K.generator) },
      { ALT: () => this.CONSUME(K.discriminator) },
      { ALT: () => this.CONSUME(K.head) },
      { ALT: () => this.CONSUME(K.network) },
      { ALT: () => this.CONSUME(K.block) },
    ]);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    const params: A.Binding[] = [];
    this.OPTION(() => {
      const b = this.SUBRULE(this.binding);
      this.ACTION(() => b && params.push(b));
      this.MANY(() => {
        this.CONSUME(T.Comma);
        const b2 = this.SUBRULE2(this.binding);
        this.ACTION(() => b2 && params.push(b2));
      });
    });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Arrow);
    const returns = this.SUBRULE(this.typeExpr);
    this.CONSUME(T.Equals);
    const body = this.SUBRULE(this.expression);
    return this.ACTION(() => ({
      kind: "Network" as const,
      role: first.image as A.Role,
      name: this.ident(name),
      params,
      returns: returns ?? this.errType(),
      body: this.orErr(body),
      span: this.spanFrom(first),
    }));
  });

  lossDecl = this.RULE("lossDecl", (): A.LossDecl => {
    const first = this.CONSUME(K.loss);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    const value = this.SUBRULE(this.expression);
    return this.ACTION(() => ({ kind: "Loss" as const, name: this.ident(name), value: this.orErr(value), span: this.spanFrom(first) }));
  });

  updateDecl = this.RULE("updateDecl", (): A.UpdateDecl => {
    const first = this.CONSUME(K.update);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const targets: A.UpdateTarget[] = [];
    const t1 = this.SUBRULE(this.target);
    this.ACTION(() => t1 && targets.push(t1));
    this.MANY(() => {
      this.CONSUME(T.Comma);
      const t2 = this.SUBRULE2(this.target);
      this.ACTION(() => t2 && targets.push(t2));
    });
    const dir = this.OR([{ ALT: () => this.CONSUME(K.minimizes) }, { ALT: () => this.CONSUME(K.maximizes) }]);
    const loss = this.CONSUME2(T.Identifier);
    this.CONSUME(K.with);
    const optimizer = this.SUBRULE(this.expression);
    let every: A.Expr | null = null;
    this.OPTION(() => {
      this.CONSUME(K.every);
      const e = this.SUBRULE2(this.expression);
      this.ACTION(() => (every = this.orErr(e)));
    });
    // `constrain clip(-c, c)`: a projection of every tensor the update trains, after each of its steps (issue 21)
    let constrain: A.Expr | null = null;
    this.OPTION2(() => {
      this.CONSUME(K.constrain);
      const e = this.SUBRULE3(this.expression);
      this.ACTION(() => (constrain = this.orErr(e)));
    });
    return this.ACTION(() => ({
      kind: "Update" as const,
      name: this.ident(name),
      targets,
      direction: (dir?.image === "maximizes" ? "maximizes" : "minimizes") as "minimizes" | "maximizes",
      loss: this.ident(loss),
      optimizer: this.orErr(optimizer),
      every,
      ...(constrain ? { constrain } : {}),
      span: this.spanFrom(first),
    }));
  });

  /** A member name after "." (z.means): an identifier, or the keyword `weights` (z.weights, a mixture's weights). */
  memberName = this.RULE("memberName", (): IToken =>
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(K.weights) }]),
  );

  target = this.RULE("target", (): A.UpdateTarget => {
    const name = this.CONSUME(T.Identifier);
    let member: A.Ident | null = null;
    this.OPTION(() => {
      this.CONSUME(T.Dot);
      const m = this.SUBRULE(this.memberName);
      this.ACTION(() => (member = this.ident(m)));
    });
    return this.ACTION(() => ({ name: this.ident(name), member, span: this.spanFrom(name) }));
  });

  trainBlock = this.RULE("trainBlock", (): A.TrainBlock => {
    const first = this.CONSUME(K.train);
    this.CONSUME(T.LBrace);
    const settings: A.Setting[] = [];
    this.MANY(() => {
      const s = this.SUBRULE(this.setting);
      this.ACTION(() => s && settings.push(s));
      this.OPTION(() => this.CONSUME(T.Semicolon));
    });
    this.CONSUME(T.RBrace);
    return this.ACTION(() => ({ kind: "Train" as const, settings, span: this.spanFrom(first) }));
  });

  setting = this.RULE("setting", (): A.Setting => {
    // `steps` is a keyword (evaluate every N steps) but also a train setting name.
    const name = this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(K.steps) }]);
    const value = this.SUBRULE(this.expression);
    return this.ACTION(() => ({ name: this.ident(name), value: this.orErr(value), span: this.spanFrom(name) }));
  });

  evaluateBlock = this.RULE("evaluateBlock", (): A.EvaluateBlock => {
    const first = this.CONSUME(K.evaluate);
    let every: A.Expr | null = null;
    this.OPTION(() => {
      this.CONSUME(K.every);
      const e = this.SUBRULE(this.expression);
      this.CONSUME(K.steps);
      this.ACTION(() => (every = this.orErr(e)));
    });
    this.CONSUME(T.LBrace);
    const metrics: A.Expr[] = [];
    this.MANY(() => {
      const m = this.SUBRULE2(this.expression);
      this.ACTION(() => m && metrics.push(m));
      this.OPTION2(() => this.CONSUME(T.Semicolon));
    });
    this.CONSUME(T.RBrace);
    return this.ACTION(() => ({ kind: "Evaluate" as const, every, metrics, span: this.spanFrom(first) }));
  });

  whenBlock = this.RULE("whenBlock", (): A.WhenBlock => {
    const first = this.CONSUME(K.when);
    const cond = this.SUBRULE(this.expression);
    this.CONSUME(T.LBrace);
    const then: A.Item[] = [];
    this.MANY(() => {
      const it = this.SUBRULE(this.item);
      this.ACTION(() => it && then.push(it));
    });
    this.CONSUME(T.RBrace);
    let els: A.Item[] | null = null;
    this.OPTION(() => {
      this.CONSUME(K.else);
      this.CONSUME2(T.LBrace);
      const items: A.Item[] = [];
      this.MANY2(() => {
        const it = this.SUBRULE2(this.item);
        this.ACTION(() => it && items.push(it));
      });
      this.CONSUME2(T.RBrace);
      this.ACTION(() => (els = items));
    });
    return this.ACTION(() => ({ kind: "When" as const, cond: this.orErr(cond), then, else: els, span: this.spanFrom(first) }));
  });

  typeExpr = this.RULE("typeExpr", (): A.TypeExpr => {
    const name = this.CONSUME(T.Identifier);
    const dims: A.Expr[] = [];
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      const d = this.SUBRULE(this.expression);
      this.ACTION(() => dims.push(this.orErr(d)));
      this.MANY(() => {
        this.CONSUME(T.Comma);
        const d2 = this.SUBRULE2(this.expression);
        this.ACTION(() => dims.push(this.orErr(d2)));
      });
      this.CONSUME(T.RBracket);
    });
    return this.ACTION(() => ({ kind: "Type" as const, name: this.ident(name), dims, span: this.spanFrom(name) }));
  });
  private scalarType(tok: IToken): A.TypeExpr {
    return this.ACTION(() => ({ kind: "Type" as const, name: this.ident(tok), dims: [], span: this.spanFrom(tok) }));
  }
  private errType(): A.TypeExpr {
    const e = this.errExpr();
    return { kind: "Type", name: { kind: "Ident", name: "", span: e.span }, dims: [], span: e.span };
  }

  // ---------- expressions ----------

  expression = this.RULE("expression", (): A.Expr => {
    this.ACTION(() => this.guardDepth());
    let left = this.SUBRULE(this.cond);
    this.MANY(() => {
      this.CONSUME(T.PipeOp);
      const right = this.SUBRULE2(this.cond);
      this.ACTION(() => {
        const l = this.orErr(left);
        const r = this.orErr(right);
        left = { kind: "Pipe", left: l, right: r, span: this.joinSpan(l.span, r.span) };
      });
    });
    return left;
  });

  cond = this.RULE("cond", (): A.Expr => {
    return this.OR([
      { ALT: () => this.SUBRULE(this.ifExpr) },
      { ALT: () => this.SUBRULE(this.matchExpr) },
      { ALT: () => this.SUBRULE(this.orExpr) },
    ]);
  });

  ifExpr = this.RULE("ifExpr", (): A.IfExpr => {
    const first = this.CONSUME(K.if);
    const c = this.SUBRULE(this.expression);
    this.CONSUME(K.then);
    const t = this.SUBRULE2(this.expression);
    this.CONSUME(K.else);
    const e = this.SUBRULE3(this.expression);
    return this.ACTION(() => ({
      kind: "If" as const,
      cond: this.orErr(c),
      then: this.orErr(t),
      else: this.orErr(e),
      span: this.spanFrom(first),
    }));
  });

  matchExpr = this.RULE("matchExpr", (): A.MatchExpr => {
    const first = this.CONSUME(K.match);
    const scrutinee = this.SUBRULE(this.expression);
    this.CONSUME(T.LBrace);
    const arms: A.MatchArm[] = [];
    const a = this.SUBRULE(this.arm);
    this.ACTION(() => a && arms.push(a));
    this.MANY(() => {
      this.CONSUME(T.Comma);
      const a2 = this.SUBRULE2(this.arm);
      this.ACTION(() => a2 && arms.push(a2));
    });
    this.OPTION(() => this.CONSUME2(T.Comma));
    this.CONSUME(T.RBrace);
    return this.ACTION(() => ({ kind: "Match" as const, scrutinee: this.orErr(scrutinee), arms, span: this.spanFrom(first) }));
  });

  // `repeat N { stage |> stage }`: a pipeline stage applied N times (the checker expands it inside network bodies)
  repeatExpr = this.RULE("repeatExpr", (): A.RepeatExpr => {
    const first = this.CONSUME(K.repeat);
    const count = this.SUBRULE(this.expression);
    this.CONSUME(T.LBrace);
    const body = this.SUBRULE2(this.expression);
    const close = this.CONSUME(T.RBrace);
    return this.ACTION(() => ({
      kind: "Repeat" as const,
      count: this.orErr(count),
      body: this.orErr(body),
      span: this.joinSpan(this.tokSpan(first), this.tokSpan(close)),
    }));
  });

  arm = this.RULE("arm", (): A.MatchArm => {
    const pat = this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Underscore) }]);
    this.CONSUME(T.FatArrow);
    const value = this.SUBRULE(this.expression);
    return this.ACTION(() => ({
      pattern: pat.tokenType === T.Underscore ? null : this.ident(pat),
      value: this.orErr(value),
      span: this.spanFrom(pat),
    }));
  });

  private binaryChain(
    ruleLeft: () => A.Expr,
    ops: TokenType[],
    ruleRight: () => A.Expr,
  ): A.Expr {
    let left = ruleLeft();
    this.MANY(() => {
      const op = this.OR(ops.map((t) => ({ ALT: () => this.CONSUME(t) })));
      const right = ruleRight();
      this.ACTION(() => {
        const l = this.orErr(left);
        const r = this.orErr(right);
        left = { kind: "Binary", op: op.image as A.BinaryOp, left: l, right: r, span: this.joinSpan(l.span, r.span) };
      });
    });
    return left;
  }

  orExpr = this.RULE("orExpr", (): A.Expr =>
    this.binaryChain(() => this.SUBRULE(this.andExpr), [K.or], () => this.SUBRULE2(this.andExpr)),
  );

  andExpr = this.RULE("andExpr", (): A.Expr =>
    this.binaryChain(() => this.SUBRULE(this.notExpr), [K.and], () => this.SUBRULE2(this.notExpr)),
  );

  notExpr = this.RULE("notExpr", (): A.Expr => {
    this.ACTION(() => this.guardDepth());
    return this.OR([
      {
        ALT: () => {
          const first = this.CONSUME(K.not);
          const operand = this.SUBRULE(this.notExpr);
          return this.ACTION(() => ({ kind: "Unary" as const, op: "not" as const, operand: this.orErr(operand), span: this.spanFrom(first) }));
        },
      },
      { ALT: () => this.SUBRULE(this.compare) },
    ]);
  });

  compare = this.RULE("compare", (): A.Expr => {
    let left = this.SUBRULE(this.additive);
    this.OPTION(() => {
      const op = this.OR([
        { ALT: () => this.CONSUME(T.EqEq) },
        { ALT: () => this.CONSUME(T.NotEq) },
        { ALT: () => this.CONSUME(T.LtEq) },
        { ALT: () => this.CONSUME(T.GtEq) },
        { ALT: () => this.CONSUME(T.Lt) },
        { ALT: () => this.CONSUME(T.Gt) },
      ]);
      const right = this.SUBRULE2(this.additive);
      this.ACTION(() => {
        const l = this.orErr(left);
        const r = this.orErr(right);
        left = { kind: "Binary", op: op.image as A.BinaryOp, left: l, right: r, span: this.joinSpan(l.span, r.span) };
      });
    });
    return left;
  });

  additive = this.RULE("additive", (): A.Expr =>
    this.binaryChain(() => this.SUBRULE(this.term), [T.Plus, T.Minus], () => this.SUBRULE2(this.term)),
  );

  // An expectation `E[x] body` is a prefix form at the unary level whose body is the rest of the multiplicative
  // term, so `c * E[x] f(x) * g(x)` is `c * (E[x] (f(x) * g(x)))` and `-E[z] D(G(z))` negates the expectation,
  // as the papers write them (`0.5 * E[z] ...`).
  term = this.RULE("term", (): A.Expr => this.SUBRULE(this.mul));

  expectExpr = this.RULE("expectExpr", (): A.Expect => {
    const first = this.CONSUME(K.E);
    this.CONSUME(T.LBracket);
    const vars: A.Ident[] = [];
    const v = this.CONSUME(T.Identifier);
    this.ACTION(() => vars.push(this.ident(v)));
    this.MANY(() => {
      this.CONSUME(T.Comma);
      const v2 = this.CONSUME2(T.Identifier);
      this.ACTION(() => vars.push(this.ident(v2)));
    });
    this.CONSUME(T.RBracket);
    const body = this.SUBRULE(this.mul);
    return this.ACTION(() => ({ kind: "Expect" as const, vars, body: this.orErr(body), span: this.spanFrom(first) }));
  });

  // `div` (integer division, `ng div 2`) is a contextual keyword: a name standing between two operands, so a
  // declaration may still be called `div`. `//` cannot be the operator: it starts a line comment.
  mul = this.RULE("mul", (): A.Expr => {
    let left = this.SUBRULE(this.unary);
    this.MANY({
      GATE: () => {
        const t = this.LA(1);
        return t.tokenType === T.Star || t.tokenType === T.Slash || t.tokenType === T.At || (t.tokenType === T.Identifier && t.image === "div");
      },
      DEF: () => {
        const op = this.OR([
          { ALT: () => this.CONSUME(T.Star) },
          { ALT: () => this.CONSUME(T.Slash) },
          { ALT: () => this.CONSUME(T.At) },
          { GATE: () => this.LA(1).image === "div", ALT: () => this.CONSUME(T.Identifier) },
        ]);
        const right = this.SUBRULE2(this.unary);
        this.ACTION(() => {
          const l = this.orErr(left);
          const r = this.orErr(right);
          left = { kind: "Binary", op: op.image as A.BinaryOp, left: l, right: r, span: this.joinSpan(l.span, r.span) };
        });
      },
    });
    return left;
  });

  unary = this.RULE("unary", (): A.Expr => {
    this.ACTION(() => this.guardDepth());
    return this.OR([
      {
        ALT: () => {
          const first = this.CONSUME(T.Minus);
          const operand = this.SUBRULE(this.unary);
          return this.ACTION(() => ({ kind: "Unary" as const, op: "-" as const, operand: this.orErr(operand), span: this.spanFrom(first) }));
        },
      },
      { ALT: () => this.SUBRULE(this.expectExpr) },
      { ALT: () => this.SUBRULE(this.power) },
    ]);
  });

  power = this.RULE("power", (): A.Expr => {
    let left = this.SUBRULE(this.postfix);
    this.OPTION(() => {
      this.CONSUME(T.Caret);
      const right = this.SUBRULE(this.unary);
      this.ACTION(() => {
        const l = this.orErr(left);
        const r = this.orErr(right);
        left = { kind: "Binary", op: "^", left: l, right: r, span: this.joinSpan(l.span, r.span) };
      });
    });
    return left;
  });

  postfix = this.RULE("postfix", (): A.Expr => {
    let target = this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            const args: A.Arg[] = [];
            this.OPTION(() => {
              const a = this.SUBRULE(this.arg);
              this.ACTION(() => a && args.push(a));
              this.MANY2(() => {
                this.CONSUME(T.Comma);
                const a2 = this.SUBRULE2(this.arg);
                this.ACTION(() => a2 && args.push(a2));
              });
            });
            const close = this.CONSUME(T.RParen);
            this.ACTION(() => {
              const t = this.orErr(target);
              this.checkArgOrder(args);
              target = { kind: "Call", callee: t, args, span: this.joinSpan(t.span, this.tokSpan(close)) };
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            const indices: A.Expr[] = [];
            const i = this.SUBRULE(this.expression);
            this.ACTION(() => indices.push(this.orErr(i)));
            this.MANY3(() => {
              this.CONSUME2(T.Comma);
              const i2 = this.SUBRULE2(this.expression);
              this.ACTION(() => indices.push(this.orErr(i2)));
            });
            const close = this.CONSUME(T.RBracket);
            this.ACTION(() => {
              const t = this.orErr(target);
              target = { kind: "Index", target: t, indices, span: this.joinSpan(t.span, this.tokSpan(close)) };
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            const name = this.SUBRULE(this.memberName);
            this.ACTION(() => {
              const t = this.orErr(target);
              target = { kind: "Member", target: t, name: this.ident(name), span: this.joinSpan(t.span, this.tokSpan(name)) };
            });
          },
        },
      ]);
    });
    return target;
  });

  private checkArgOrder(args: A.Arg[]): void {
    let seenNamed = false;
    for (const a of args) {
      if (a.name) seenNamed = true;
      else if (seenNamed) {
        this.extraErrors.push({
          code: "E0110",
          message: "positional argument after a named argument",
          span: a.span,
          hints: ["write positional arguments first, then named ones: `f(1, 2, key=3)`"],
        });
      }
    }
  }

  arg = this.RULE("arg", (): A.Arg => {
    return this.OR([
      {
        // Named argument: any word, keywords included (`head=C`), followed by "=".
        GATE: () => this.LA(2).tokenType === T.Equals,
        ALT: () => {
          const name = this.CONSUME(T.AnyWord);
          this.CONSUME(T.Equals);
          const value = this.SUBRULE(this.expression);
          return this.ACTION(() => ({ name: this.ident(name), value: this.orErr(value), span: this.spanFrom(name) }));
        },
      },
      {
        ALT: () => {
          const first = this.LA(1);
          const value = this.SUBRULE2(this.expression);
          return this.ACTION(() => {
            const v = this.orErr(value);
            return { name: null, value: v, span: this.real(first) ? v.span : v.span };
          });
        },
      },
    ]);
  });

  primary = this.RULE("primary", (): A.Expr => {
    return this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.NumberLit);
          return this.ACTION(() => this.numberLit(t));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.StringLit);
          return this.ACTION(() => this.stringLit(t));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(K.true);
          return this.ACTION(() => ({ kind: "Bool" as const, value: true, span: this.tokSpan(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(K.false);
          return this.ACTION(() => ({ kind: "Bool" as const, value: false, span: this.tokSpan(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.Identifier);
          return this.ACTION(() => ({ kind: "Name" as const, name: t.image, span: this.tokSpan(t) }));
        },
      },
      { ALT: () => this.SUBRULE(this.repeatExpr) },
      {
        ALT: () => {
          const open = this.CONSUME(T.LParen);
          const e = this.SUBRULE(this.expression);
          const close = this.CONSUME(T.RParen);
          // Parentheses are not in the AST, but the span covers them (so carets include the parens).
          return this.ACTION(() => {
            const inner = this.orErr(e);
            return { ...inner, span: this.joinSpan(this.tokSpan(open), this.tokSpan(close)) } as A.Expr;
          });
        },
      },
      {
        ALT: () => {
          const open = this.CONSUME(T.LBracket);
          const items: A.Expr[] = [];
          this.OPTION(() => {
            const i = this.SUBRULE2(this.expression);
            this.ACTION(() => items.push(this.orErr(i)));
            this.MANY(() => {
              this.CONSUME(T.Comma);
              const i2 = this.SUBRULE3(this.expression);
              this.ACTION(() => items.push(this.orErr(i2)));
            });
          });
          this.CONSUME(T.RBracket);
          return this.ACTION(() => ({ kind: "List" as const, items, span: this.spanFrom(open) }));
        },
      },
    ]);
  });

  // ---------- literals ----------

  private numberLit(t: IToken): A.NumberLit {
    const raw = t.image;
    const isInt = /^\d+$/.test(raw);
    return { kind: "Number", value: Number(raw), isInt, raw, span: this.tokSpan(t) };
  }

  private stringLit(t: IToken): A.StringLit {
    const span = this.tokSpan(t);
    if (!this.real(t)) return { kind: "String", value: "", span };
    const { value, bad } = unescapeString(t.image, !(t as { unterminated?: boolean }).unterminated);
    for (const b of bad) {
      const start: Position = { line: span.start.line, column: span.start.column + b.at, offset: span.start.offset + b.at };
      const end: Position = { ...start, column: start.column + b.len, offset: start.offset + b.len };
      this.extraErrors.push({
        code: "E0108",
        message: `invalid escape sequence "${b.text}" in string`,
        span: { file: this.file, start, end },
        hints: ['valid escapes are \\" \\\\ \\n \\t and \\uXXXX (4 hex digits)'],
      });
    }
    return { kind: "String", value, span };
  }
}

/** Unescape a string token; `closed` is false for an unterminated string (no closing quote in `image`).
 *  `at` offsets of bad escapes are relative to the token start. */
export function unescapeString(image: string, closed = true): { value: string; bad: { at: number; len: number; text: string }[] } {
  const endIdx = closed ? image.length - 1 : image.length;
  let out = "";
  const bad: { at: number; len: number; text: string }[] = [];
  for (let i = 1; i < endIdx; i++) {
    const c = image[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const n = image[i + 1];
    const hex = /^[0-9a-fA-F]{4}$/.test(image.slice(i + 2, i + 6));
    if (n === '"') out += '"';
    else if (n === "\\") out += "\\";
    else if (n === "n") out += "\n";
    else if (n === "t") out += "\t";
    else if (n === "u" && hex && i + 6 <= endIdx) {
      out += String.fromCharCode(parseInt(image.slice(i + 2, i + 6), 16));
      i += 4;
    } else {
      const len = Math.max(1, Math.min(n === "u" ? 2 : 2, endIdx - i));
      bad.push({ at: i, len, text: image.slice(i, i + len) });
    }
    i++;
  }
  return { value: out, bad };
}

let shared: GanParser | null = null;
/** One parser instance (chevrotain's grammar analysis is costly; instances are reusable). */
export function getParser(): GanParser {
  shared ??= new GanParser();
  return shared;
}
