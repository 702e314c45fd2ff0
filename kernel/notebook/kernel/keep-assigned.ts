/**
 * Names a failed or interrupted cell assigned before it stopped stay defined, as in IPython.
 *
 * tslab compiles a cell to code that stores each top-level name in its `exports` object right after
 * the declaration runs (`const a = 1; exports.a = a;`), so the VALUES of names assigned before an
 * error are already kept. What tslab drops are their TYPES: it only adopts a cell's declarations
 * (`declare const a = 1;`) when the cell succeeds, so the next cell failed with "Cannot find name".
 *
 * The keeper watches tslab's converter: after a runtime failure it takes the failed cell's full
 * declaration text, removes the names the cell declared but never assigned (keeping their earlier
 * declaration, whose value it restores), and hands that text to tslab as the declarations of an
 * empty cell — tslab's own path for adopting declarations, with nothing executed.
 */
import type * as TS from '@tslab/typescript-for-tslab';
import type { ConvertResult, Converter } from 'tslab/dist/converter';

/** The names a converted cell declares at top level: tslab's `exports.a = exports.b = void 0;` line. */
export function cellNames(output: string): string[] {
  const line = /^exports\.[\w$]+ = (?:exports\.[\w$]+ = )*void 0;$/m.exec(output);
  return line ? [...line[0].matchAll(/exports\.([\w$]+) =/g)].map(m => m[1]) : [];
}

/** The value names one top-level declaration statement introduces (types and interfaces: none). */
function valueNames(ts: typeof TS, stmt: TS.Statement): string[] {
  const out: string[] = [];
  const bind = (name: TS.BindingName): void => {
    if (ts.isIdentifier(name)) out.push(name.text);
    else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
  };
  if (ts.isVariableStatement(stmt)) for (const d of stmt.declarationList.declarations) bind(d.name);
  else if ((ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isEnumDeclaration(stmt)) && stmt.name)
    out.push(stmt.name.text);
  else if (ts.isImportDeclaration(stmt) && stmt.importClause) {
    const clause = stmt.importClause;
    if (clause.name) out.push(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) out.push(bindings.name.text);
    else if (bindings) for (const el of bindings.elements) out.push(el.name.text);
  }
  return out;
}

/** Top-level statements of a declaration text with the value names each declares. */
function statements(ts: typeof TS, text: string): { text: string; names: string[] }[] {
  const file = ts.createSourceFile('decl.d.ts', text, ts.ScriptTarget.Latest, false);
  return file.statements.map(s => ({ text: text.slice(s.getStart(file), s.end), names: valueNames(ts, s) }));
}

/**
 * The declarations tslab should adopt after a failed cell: `failedDecl` (everything, the failed cell
 * included) without the statements of `unassigned` names, plus those names' earlier statements
 * from `prevDecl` when they existed before the cell.
 */
export function keptDeclarations(
  ts: typeof TS,
  prevDecl: string,
  failedDecl: string,
  unassigned: ReadonlySet<string>
): string {
  const dropped = (s: { names: string[] }) => s.names.length > 0 && s.names.every(n => unassigned.has(n));
  const kept = statements(ts, failedDecl).filter(s => !dropped(s));
  const restored = statements(ts, prevDecl).filter(s => s.names.some(n => unassigned.has(n)));
  return [...kept, ...restored].map(s => s.text).join('\n') + '\n';
}

export class AssignedKeeper {
  private last: { prevDecl: string; result: ConvertResult } | null = null;
  private adopt: string | null = null;
  private before: Record<string, unknown> = {};

  constructor(private readonly ts: typeof TS) {}

  /** The converter tslab's executor should use: it records each conversion and can inject declarations. */
  wrap(conv: Converter): Converter {
    return {
      convert: (prevDecl, src) => {
        if (this.adopt !== null) {
          const declOutput = this.adopt;
          this.adopt = null;
          return { diagnostics: [], output: '', declOutput };
        }
        const result = conv.convert(prevDecl, src);
        this.last = { prevDecl, result };
        return result;
      },
      inspect: (prevDecl, src, position) => conv.inspect(prevDecl, src, position),
      complete: (prevDecl, src, position) => conv.complete(prevDecl, src, position),
      close: () => conv.close(),
      addModule: (name, content, meta) => conv.addModule(name, content, meta)
    };
  }

  /** Call before a cell runs: remembers the values its failure may have to restore. */
  beforeCell(locals: Record<string, unknown>): void {
    this.last = null;
    this.before = { ...locals };
  }

  /**
   * Call after a cell failed at run time. Restores the earlier values of names the cell declared
   * but never assigned (tslab resets them all to undefined first), and returns true when there are
   * declarations to adopt: then run an empty cell through the executor, which adopts them.
   */
  afterFailure(locals: Record<string, unknown>): boolean {
    const last = this.last;
    this.last = null;
    if (!last || last.result.diagnostics.length || !last.result.output || last.result.declOutput === undefined)
      return false;
    const unassigned = new Set(cellNames(last.result.output).filter(n => locals[n] === undefined));
    for (const name of unassigned) if (this.before[name] !== undefined) locals[name] = this.before[name];
    this.adopt = keptDeclarations(this.ts, last.prevDecl, last.result.declOutput, unassigned);
    return true;
  }
}
