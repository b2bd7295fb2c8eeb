// E06xx: loss-primitive plugins (compiler/plugins/). Each code has a case in test/bad/plugin/.
import type { CodeInfo } from "./index.ts";

export const PLUGIN_NOT_FOUND = "E0601";
export const PLUGIN_LOAD_FAILED = "E0602";
export const PLUGIN_EMPTY = "E0603";
export const PLUGIN_BAD_SIGNATURE = "E0604";
export const PLUGIN_BAD_LOSS = "E0605";
export const PLUGIN_NAME_CLASH = "E0606";

export const pluginCodes = [
  {
    code: PLUGIN_NOT_FOUND,
    title: "plugin file not found",
    example: 'use "./no_such_file.ts"',
    fix: "`use` paths are relative to the spec's directory, `--plugin` paths to the current directory; check the spelling and the extension (.ts or .js).",
  },
  {
    code: PLUGIN_LOAD_FAILED,
    title: "plugin fails to load",
    example: 'use "./broken.ts"   // broken.ts has a syntax error or throws when imported',
    fix: "Fix the reported error in the plugin module; run it alone with `npx tsx broken.ts` to see the full trace.",
  },
  {
    code: PLUGIN_EMPTY,
    title: "plugin exports no loss primitives",
    example: 'use "./helpers.ts"   // exports functions, but nothing made with defineLoss',
    fix: 'Export the losses made with `defineLoss` from "ganc/plugin": `export default [myLoss]` or `export const myLoss = defineLoss({...})`.',
  },
  {
    code: PLUGIN_BAD_SIGNATURE,
    title: "malformed plugin signature",
    example: 'signatures: ["(x: batch Real[d] -> Real"]   // missing ")"',
    fix: 'Write signatures as "(name: [batch] Type[dims], option: real = 1) -> Real"; see docs/extending.md.',
  },
  {
    code: PLUGIN_BAD_LOSS,
    title: "invalid loss declaration in a plugin",
    example: 'defineLoss({ name: "my-loss", ... })   // not an identifier',
    fix: "A loss needs `name` (an identifier), `signatures` (a non-empty list of strings), `doc` (a non-empty string) and `implementation` (a function).",
  },
  {
    code: PLUGIN_NAME_CLASH,
    title: "plugin loss name clashes with a built-in or another plugin",
    example: 'defineLoss({ name: "log_sigmoid", ... })',
    fix: "Rename the plugin's loss: built-in names, keywords and names from other loaded plugins are taken.",
  },
] as const satisfies readonly CodeInfo[];
