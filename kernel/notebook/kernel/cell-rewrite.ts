/**
 * Rewrites a cell before tslab transpiles it: `%neurostorm` magics become TypeScript, and a
 * top-level `for await` gets the async wrapper it needs.
 *
 * - a line `%neurostorm <verb> [--flags]` becomes one awaited call of `notebook.runMagic`, with
 *   `{name}` replaced by the value of the TypeScript variable `name` (as IPython expands `{var}`);
 * - a cell starting with `%%neurostorm <verb> [--flags]` becomes one call whose second argument is
 *   the cell body (YAML or JSON config).
 * Line count is preserved so compiler diagnostics point at the user's lines.
 *
 * The call is `await require("neurostorm-lab")...`: tslab misses a top-level await whose operand
 * starts with `(` (notes/jupyter.md), and `require` keeps the magic on the same module instance the
 * cell imports, with no global name to declare.
 */

const LINE_MAGIC = /^(\s*)%neurostorm(?:\s+(.*))?$/;
const CELL_MAGIC = /^\s*%%neurostorm(?:\s+(.*))?$/;

/**
 * `{name}` or `{a.b}` in a magic line: the value of that TypeScript expression (IPython's `{var}`
 * expansion); `${name}` too, as a TypeScript user would write it.
 */
const INTERPOLATION = /\$?\{([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\}/g;

/** The magic line as a template literal: `{name}` becomes `${name}`, everything else stays literal. */
export function magicLineLiteral(line: string): string {
  let out = '`';
  let last = 0;
  for (const m of line.matchAll(INTERPOLATION)) {
    out += line.slice(last, m.index).replace(/[\\`$]/g, c => `\\${c}`) + '${' + m[1] + '}';
    last = (m.index ?? 0) + m[0].length;
  }
  return out + line.slice(last).replace(/[\\`$]/g, c => `\\${c}`) + '`';
}

function call(line: string, body?: string): string {
  const args =
    body === undefined ? magicLineLiteral(line) : `${magicLineLiteral(line)}, ${JSON.stringify(body)}`;
  return `await require("neurostorm-lab").notebook.runMagic(${args});`;
}

/** The cell with every magic replaced by its API call; plain TypeScript comes back unchanged. */
export function rewriteMagics(code: string): string {
  const lines = code.split('\n');
  const cell = CELL_MAGIC.exec(lines[0] ?? '');
  if (cell) {
    const body = lines.slice(1).join('\n');
    return [call((cell[1] ?? '').trim(), body), ...lines.slice(1).map(() => '')].join('\n');
  }
  return lines
    .map(line => {
      const m = LINE_MAGIC.exec(line);
      return m ? m[1] + call((m[2] ?? '').trim()) : line;
    })
    .join('\n');
}

/**
 * The cell with magic lines blanked to spaces of the same length, so completion and inspection of
 * the TypeScript around them keep their cursor offsets.
 */
export function blankMagics(code: string): string {
  const lines = code.split('\n');
  if (CELL_MAGIC.test(lines[0] ?? '')) return lines.map(l => ' '.repeat(l.length)).join('\n');
  return lines.map(l => (LINE_MAGIC.test(l) ? ' '.repeat(l.length) : l)).join('\n');
}

/** The magic text (after `%neurostorm`) on the line holding `cursor`, cut at the cursor; null if none. */
export function magicBeforeCursor(code: string, cursor: number): { text: string; lineStart: number } | null {
  const lineStart = code.lastIndexOf('\n', cursor - 1) + 1;
  const m = /^\s*%%?neurostorm(\s+.*)?$/.exec(code.slice(lineStart, cursor));
  if (!m) return null;
  return { text: (m[1] ?? '').replace(/^\s+/, ''), lineStart };
}

/**
 * tslab wraps a cell in an async function only when the compiler reports a top-level `await`
 * expression (diagnostic 1308); a top-level `for await` loop raises no such diagnostic, so the
 * cell ran in a plain function and failed with "Unexpected reserved word". A leading `await null;`
 * (same line, so line numbers hold) makes tslab choose the async wrapper.
 */
export function enableTopLevelForAwait(code: string): string {
  return /(^|[^\w$.])for\s+await\s*\(/.test(code) ? `await null; ${code}` : code;
}

/** Everything the kernel does to a cell's source before handing it to tslab. */
export function prepareCell(code: string): string {
  return enableTopLevelForAwait(rewriteMagics(code));
}
