/**
 * tslab turns a reference to an earlier cell's variable into a lookup in its cell-exports object,
 * but not when the reference is a shorthand property: `{ seed }` after `const seed = 1` in another
 * cell fails at run time with "seed is not defined". Expanding every shorthand property to
 * `seed: seed` means the same thing in TypeScript and lets tslab rewrite the value. Lines are kept,
 * so diagnostics keep their line numbers.
 */
import type * as TS from '@tslab/typescript-for-tslab';

/** `code` with each `{ name }` shorthand written out as `{ name: name }`; unchanged when there is none. */
export function expandShorthandProperties(code: string, ts: typeof TS): string {
  if (!/[{,]\s*[A-Za-z_$][\w$]*\s*[,}=]/.test(code)) return code;
  const sf = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: { at: number; name: string }[] = [];
  const visit = (node: TS.Node): void => {
    // `{ a = 1 } = obj` (a default in assignment destructuring) is left alone: `a: a = 1` is the same but rarer to hit.
    if (ts.isShorthandPropertyAssignment(node) && !node.objectAssignmentInitializer) {
      edits.push({ at: node.name.getEnd(), name: node.name.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = code;
  for (const e of edits.sort((a, b) => b.at - a.at))
    out = `${out.slice(0, e.at)}: ${e.name}${out.slice(e.at)}`;
  return out;
}
