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
 * `{expr}` in a magic line: the value of that TypeScript expression (IPython's `{var}` expansion),
 * e.g. `{nsubj}`, `{cfg.lr}`, `{nsubj + 1}`; `${expr}` too, as a TypeScript user would write it.
 * The expression starts with a name or `(`, so JSON (`{"a": 1}`) and `{1}` stay literal text.
 */
const INTERPOLATION = /\$?\{([A-Za-z_$(][^{}\n`]*)\}/g;

/** Where a placeholder's expression sits in the generated line (columns, 0-based, end exclusive). */
export interface PlaceholderSpan {
  /** The placeholder as the user wrote it, e.g. `{nsubj + 1}`. */
  written: string;
  start: number;
  end: number;
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\`$]/g, c => `\\${c}`);
}

/** The magic line as a template literal, and where each `{expr}` landed in it (offsets from its backtick). */
function literalWithSpans(line: string): { text: string; spans: PlaceholderSpan[] } {
  let out = '`';
  let last = 0;
  const spans: PlaceholderSpan[] = [];
  for (const m of line.matchAll(INTERPOLATION)) {
    out += escapeLiteral(line.slice(last, m.index)) + '${';
    spans.push({ written: m[0], start: out.length, end: out.length + m[1].length });
    out += m[1] + '}';
    last = (m.index ?? 0) + m[0].length;
  }
  return { text: out + escapeLiteral(line.slice(last)) + '`', spans };
}

/** The magic line as a template literal: `{expr}` becomes `${expr}`, everything else stays literal. */
export function magicLineLiteral(line: string): string {
  return literalWithSpans(line).text;
}

const CALL_PREFIX = 'await require("neurostorm-lab").notebook.runMagic(';

/** `--as NAME` on a magic line: the cell declares NAME with the magic's value (issue 13, item 5). */
const BIND_AS = /(?:^|\s)--as(?:\s+|=)([A-Za-z_$][\w$]*)(?=\s|$)/;

/** `const m = %neurostorm VERB ...`: the declaration before a magic that assigns its value. */
const ASSIGNED = /^(\s*(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*=\s*)(%neurostorm(?:\s.*)?)$/;

/** A line split into the declaration assigning a magic's value (or '') and the rest. */
function assignment(line: string): { declaration: string; rest: string } {
  const m = ASSIGNED.exec(line);
  return m ? { declaration: m[1], rest: m[2] } : { declaration: '', rest: line };
}

/** `const NAME = ` for a magic line that binds its value, else nothing. */
function binding(line: string): string {
  const m = BIND_AS.exec(line);
  return m ? `const ${m[1]} = ` : '';
}

function call(line: string, body?: string): string {
  const args =
    body === undefined ? magicLineLiteral(line) : `${magicLineLiteral(line)}, ${JSON.stringify(body)}`;
  return `${binding(line)}${CALL_PREFIX}${args});`;
}

/**
 * The placeholder a compiler diagnostic at (line, column) of the rewritten cell points into, or
 * null when it is not inside one. Both 1-based, as tslab prints them. Lets the kernel say
 * "placeholder {nsubj}: Cannot find name" instead of a column in generated code.
 */
export function placeholderAt(code: string, line: number, column: number): PlaceholderSpan | null {
  const lines = code.split('\n');
  const source = lines[line - 1];
  if (source === undefined) return null;
  let indent = '';
  let magic: string | null = null;
  const cell = line === 1 ? CELL_MAGIC.exec(source) : null;
  if (cell) magic = (cell[1] ?? '').trim();
  else if (!CELL_MAGIC.test(lines[0] ?? '')) {
    const { declaration, rest } = assignment(source);
    const m = LINE_MAGIC.exec(rest);
    if (m) {
      indent = declaration || m[1];
      magic = (m[2] ?? '').trim();
    }
  }
  if (magic === null) return null;
  const offset = indent.length + (ASSIGNED.test(source) ? 0 : binding(magic).length) + CALL_PREFIX.length;
  const col = column - 1 - offset;
  return literalWithSpans(magic).spans.find(s => col >= s.start && col <= s.end) ?? null;
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
      const { declaration, rest } = assignment(line);
      const m = LINE_MAGIC.exec(rest);
      if (!m) return line;
      const magic = (m[2] ?? '').trim();
      return declaration ? `${declaration}${CALL_PREFIX}${magicLineLiteral(magic)});` : m[1] + call(magic);
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
  return lines.map(l => (LINE_MAGIC.test(assignment(l).rest) ? ' '.repeat(l.length) : l)).join('\n');
}

/** The magic text (after `%neurostorm`) on the line holding `cursor`, cut at the cursor; null if none. */
export function magicBeforeCursor(code: string, cursor: number): { text: string; lineStart: number } | null {
  const lineStart = code.lastIndexOf('\n', cursor - 1) + 1;
  const m = /^\s*(?:(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*=\s*)?%%?neurostorm(\s+.*)?$/.exec(code.slice(lineStart, cursor));
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
