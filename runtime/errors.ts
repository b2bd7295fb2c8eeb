// Typed runtime error: the trainer/CLI prints message + hint (and the spec line when the emitter supplied one)
// instead of a stack trace.
export class GancRuntimeError extends Error {
  readonly code?: string;
  readonly hint?: string;
  readonly specLine?: string;
  constructor(message: string, opts: { code?: string; hint?: string; specLine?: string } = {}) {
    super(message);
    this.name = "GancRuntimeError";
    this.code = opts.code;
    this.hint = opts.hint;
    this.specLine = opts.specLine;
  }
}
