// Syntax diagnostic codes (E01xx), reported by the front end (grammar/).
import type { CodeInfo } from "./index.ts";

export const syntaxCodes = [
  {
    code: "E0101",
    title: "unexpected token",
    example: "param K: int = 10 )",
    fix: "Remove the stray token or complete the construct it belongs to; the message lists what may come here.",
  },
  {
    code: "E0102",
    title: "expected a specific token",
    example: "param K: int 10",
    fix: 'Insert the missing token named in the message (here "=": `param K: int = 10`).',
  },
  {
    code: "E0103",
    title: "unexpected end of input",
    example: "train { batch 64",
    fix: "The file ends inside a construct: close the open bracket or finish the declaration.",
  },
  {
    code: "E0104",
    title: "unterminated string",
    example: 'model m "a description',
    fix: 'Close the string with `"` on the same line; strings cannot span lines (use \\n).',
  },
  {
    code: "E0105",
    title: "unterminated block comment",
    example: "/* a comment that never ends",
    fix: "Close the comment with `*/`.",
  },
  {
    code: "E0106",
    title: "invalid character",
    example: "param K: int = 10 # ten",
    fix: "Remove the character; comments are written `// ...` or `/* ... */`.",
  },
  {
    code: "E0107",
    title: "invalid number",
    example: "param lr: real = 2e-",
    fix: "Write numbers as `12`, `0.5`, `2e-4` or `1.5E3`; a number cannot run into letters.",
  },
  {
    code: "E0108",
    title: "invalid escape sequence in a string",
    example: 'data x: Real[2] = csv(path="C:\\data")',
    fix: 'Use one of the escapes \\" \\\\ \\n \\t \\uXXXX (write a backslash as \\\\).',
  },
  {
    code: "E0109",
    title: "nesting too deep",
    example: "let x = ((((((((... 1 ...))))))))",
    fix: "Split the expression with `let` bindings; the parser limits nesting depth to protect the compiler.",
  },
  {
    code: "E0110",
    title: "positional argument after a named argument",
    example: "latent z ~ Normal(0, dim=2, 1)",
    fix: "Write positional arguments first, then named ones: `Normal(0, 1, dim=2)`.",
  },
  {
    code: "E0111",
    title: "expression too long",
    example: "loss l = E[x] D(x) + 0 + 0 + ... // more than 1000 terms, or a `|>` pipeline of more than 1000 stages",
    fix: "Split the chain with `let` bindings (each `let` is its own declaration), or use a repeating layer such as `mlp([...])`; one declaration's expression may be at most 1000 levels deep, counting each term of a flat chain as a level.",
  },
] as const satisfies readonly CodeInfo[];
