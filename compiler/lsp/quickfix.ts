// Quick fixes: a diagnostic whose message or hint says "did you mean `x`?" offers to replace the misspelt name
// (the diagnostic's range, when it covers exactly one name) with `x`.
import { CodeActionKind, type CodeAction, type CodeActionParams } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { DiagData } from "./diagnostics.ts";

export function quickFixes(doc: TextDocument, params: CodeActionParams): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
    const data = d.data as DiagData | undefined;
    const s = data?.suggestion;
    if (!s || d.source !== "ganc") continue;
    const written = doc.getText(d.range);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(written) || written === s) continue;
    out.push({
      title: `Change \`${written}\` to \`${s}\``,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      isPreferred: true,
      edit: { changes: { [doc.uri]: [{ range: d.range, newText: s }] } },
    });
  }
  return out;
}
