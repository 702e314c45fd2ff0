/**
 * The layering of ../shared/design.md, checked on every import under kernel/ (static imports,
 * re-exports, `import type`, `import()` and `require()`; type-only imports count for the layers,
 * since a type ties a room to another as much as a call, but not for file cycles, which matter at
 * load time, where types are erased):
 *   graph <- runtime <- models <- train/eval <- verbs <- notebook/cli, nifti <- data <- train/eval;
 * models never import train, data never imports eval, cli and notebook never import each other, and
 * no two files import each other, directly or around a loop.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const KERNEL = path.join(__dirname, '..', 'kernel');

/**
 * Each room's layer: a room may import its own layer and lower ones, never a higher one.
 * `base` is what every layer shares (errors, progress events, seeded random, version, atomic io);
 * `api` is kernel/index.ts, the public API above everything.
 */
const LAYER: Record<string, number> = {
  base: 0,
  graph: 1,
  nifti: 1,
  runtime: 2,
  data: 2,
  models: 3,
  train: 4,
  eval: 4,
  // Slurm array jobs run the train/eval/data workflows and are run by the verbs.
  cluster: 4.5,
  verbs: 5,
  notebook: 6,
  cli: 6,
  api: 7
};

/** Pairs on one layer that must not import each other either. */
const SEPARATE: [string, string][] = [['cli', 'notebook']];

function roomOf(file: string): string {
  const rel = path.relative(KERNEL, file).split(path.sep);
  if (rel.length === 1) return rel[0] === 'index.ts' ? 'api' : 'base';
  return rel[0] === 'io' ? 'base' : rel[0];
}

function kernelFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return kernelFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base])
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  throw new Error(`${path.relative(KERNEL, from)}: import "${spec}" resolves to no file`);
}

interface Edge {
  target: string;
  /** `import type`, `export type`, `import { type A }` or an `import('x').T` type: erased at run time. */
  typeOnly: boolean;
}

function typeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return !clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every(e => e.isTypeOnly);
}

/** Every module a file names: imports, re-exports, `import x = require()`, `require()`, `import()`. */
function importsOf(file: string): { spec: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { spec: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier))
      found.push({ spec: node.moduleSpecifier.text, typeOnly: typeOnlyImport(node) });
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      found.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) found.push({ spec: e.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) found.push({ spec: arg.literal.text, typeOnly: true });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require'))
        found.push({ spec: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** file -> the kernel files it imports. */
function importGraph(): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>();
  for (const file of kernelFiles(KERNEL)) {
    const edges: Edge[] = [];
    for (const { spec, typeOnly } of importsOf(file)) {
      const target = resolveImport(file, spec);
      if (target) edges.push({ target, typeOnly });
    }
    graph.set(file, edges);
  }
  return graph;
}

/** The graph of imports that run: type-only edges dropped (a type cycle costs nothing at load time). */
function runtimeGraph(graph: Map<string, Edge[]>): Map<string, string[]> {
  return new Map(
    [...graph].map(([file, edges]) => [file, [...new Set(edges.filter(e => !e.typeOnly).map(e => e.target))]])
  );
}

/** Strongly connected components with more than one file (or a file importing itself): the cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const rel = (f: string) => path.relative(KERNEL, f);

describe('kernel layering (design.md)', () => {
  const graph = importGraph();

  it('reads a real import graph', () => {
    // The walk must see the rooms and their imports, or the checks below would pass on nothing.
    const rooms = new Set([...graph.keys()].map(roomOf));
    for (const room of ['graph', 'runtime', 'nifti', 'data', 'models', 'verbs', 'notebook', 'cli', 'api'])
      expect(rooms).toContain(room);
    expect(graph.get(path.join(KERNEL, 'cli', 'main.ts'))?.map(e => e.target)).toContain(path.join(KERNEL, 'verbs', 'index.ts'));
    // Type-only edges are recognised (kernel/verbs/results.ts imports only types).
    expect(graph.get(path.join(KERNEL, 'verbs', 'results.ts'))?.some(e => e.typeOnly)).toBe(true);
    expect(Object.keys(LAYER)).toEqual(expect.arrayContaining([...rooms]));
  });

  it('has no import from a higher layer or between separated rooms', () => {
    const wrong: string[] = [];
    for (const [file, edges] of graph) {
      const from = roomOf(file);
      for (const { target } of edges) {
        const to = roomOf(target);
        if (from === to) continue;
        const upward = LAYER[to] > LAYER[from];
        const separated = SEPARATE.some(([a, b]) => (a === from && b === to) || (a === to && b === from));
        if (upward || separated) wrong.push(`${rel(file)} (${from}) imports ${rel(target)} (${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no import cycle between files (imports that run; types may refer to each other)', () => {
    expect(cycles(runtimeGraph(graph)).map(c => c.map(rel).sort())).toEqual([]);
  });

  it('finds the violations it is meant to find', () => {
    // The checks themselves, on a made-up graph: an upward import, a cli/notebook import, a loop.
    const a = path.join(KERNEL, 'models', 'a.ts');
    const b = path.join(KERNEL, 'train', 'b.ts');
    const made = new Map([
      [a, [b]],
      [b, [a]]
    ]);
    expect(cycles(made).map(c => c.map(rel).sort())).toEqual([['models/a.ts', 'train/b.ts']]);
    expect(LAYER[roomOf(b)] > LAYER[roomOf(a)]).toBe(true);
    expect(LAYER[roomOf(path.join(KERNEL, 'eval', 'x.ts'))] > LAYER[roomOf(path.join(KERNEL, 'data', 'y.ts'))]).toBe(true);
    expect(LAYER[roomOf(path.join(KERNEL, 'notebook', 'x.ts'))] > LAYER[roomOf(path.join(KERNEL, 'verbs', 'y.ts'))]).toBe(
      true
    );
  });
});
