/**
 * Makes `import * as ns from "neurostorm-lab"` (and `@types/node`) resolve in a cell wherever the
 * notebook lives, without writing into the user's folders.
 *
 * tslab type-checks a cell as `<cwd>/__tslab__.ts` through TypeScript's `sys`, and already forwards
 * `<cwd>/node_modules/tslab` to its own install the same way (tslab/dist/converter.js,
 * forwardTslabPath). We mount, in that same `sys`, `<cwd>/node_modules/neurostorm-lab` onto the
 * compiled package that runs the kernel, and `<cwd>/node_modules/@types/node` onto the installed
 * types when no folder above the notebook has them: npm hoists @types/node out of tslab's folder,
 * where tslab's fallback looks (notes/jupyter.md). At run time the cell's `require` gets the same
 * module instance the kernel uses, so magics and cells share one API (one display sink, one signal).
 */
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';

/** The part of TypeScript's `System` that module and type resolution read through. */
export interface TsSys {
  fileExists(p: string): boolean;
  directoryExists(p: string): boolean;
  readFile(p: string, encoding?: string): string | undefined;
  getDirectories(p: string): string[];
  readDirectory(p: string, ...rest: unknown[]): string[];
  realpath?(p: string): string;
  getModifiedTime?(p: string): Date | undefined;
  watchFile?(p: string, ...rest: unknown[]): unknown;
}

export interface Mount {
  /** Absolute virtual folder, e.g. `<cwd>/node_modules/neurostorm-lab`. */
  at: string;
  /** The real folder it shows. */
  target: string;
  /** Virtual files inside `at` (relative path -> content), e.g. a package.json pointing at the types. */
  files: Record<string, string>;
}

function inside(dir: string, p: string): string | null {
  const rel = path.relative(dir, p);
  if (rel === '') return '';
  return rel.startsWith('..') || path.isAbsolute(rel) ? null : rel;
}

/** Where `p` lands under the mounts: a virtual file's content, a real path, or null (not mounted). */
function resolve(mounts: readonly Mount[], p: string): { content: string } | { real: string } | null {
  for (const m of mounts) {
    const rel = inside(m.at, p);
    if (rel === null) continue;
    const norm = rel.split(path.sep).join('/');
    if (norm in m.files) return { content: m.files[norm] };
    return { real: path.join(m.target, rel) };
  }
  return null;
}

/** Mount folders strictly below `p` (so `p` must look like a folder holding their first segment). */
function childrenFromMounts(mounts: readonly Mount[], p: string): string[] {
  const names: string[] = [];
  for (const m of mounts) {
    const rel = inside(p, m.at);
    if (rel) names.push(rel.split(path.sep)[0]);
  }
  return names;
}

/** Rebinds `sys`'s file functions so the mounts appear in it. Returns a function undoing it. */
export function mountIntoTypeScript(sys: TsSys, mounts: readonly Mount[]): () => void {
  const orig = {
    fileExists: sys.fileExists,
    directoryExists: sys.directoryExists,
    readFile: sys.readFile,
    getDirectories: sys.getDirectories,
    readDirectory: sys.readDirectory,
    realpath: sys.realpath,
    getModifiedTime: sys.getModifiedTime,
    watchFile: sys.watchFile
  };
  const real = (p: string): string => {
    const r = resolve(mounts, p);
    return r && 'real' in r ? r.real : p;
  };
  sys.fileExists = p => {
    const r = resolve(mounts, p);
    if (r && 'content' in r) return true;
    return orig.fileExists.call(sys, r ? r.real : p);
  };
  sys.directoryExists = p => {
    if (childrenFromMounts(mounts, p).length) return true;
    return orig.directoryExists.call(sys, real(p));
  };
  sys.readFile = (p, encoding) => {
    const r = resolve(mounts, p);
    if (r && 'content' in r) return r.content;
    return orig.readFile.call(sys, r ? r.real : p, encoding);
  };
  sys.getDirectories = p => {
    const own = orig.directoryExists.call(sys, real(p)) ? orig.getDirectories.call(sys, real(p)) : [];
    return [...new Set([...own, ...childrenFromMounts(mounts, p)])];
  };
  sys.readDirectory = (p, ...rest) => {
    const r = resolve(mounts, p);
    if (!r || 'content' in r) return orig.readDirectory.call(sys, p, ...rest);
    // Results come back as real paths; TypeScript realpaths mounted files anyway.
    return orig.readDirectory.call(sys, r.real, ...rest);
  };
  if (orig.realpath) {
    const realpath = orig.realpath;
    sys.realpath = p => {
      const r = resolve(mounts, p);
      if (r && 'content' in r) return p;
      return realpath.call(sys, r ? r.real : p);
    };
  }
  if (orig.getModifiedTime) {
    const getModifiedTime = orig.getModifiedTime;
    sys.getModifiedTime = p => getModifiedTime.call(sys, real(p));
  }
  if (orig.watchFile) {
    const watchFile = orig.watchFile;
    sys.watchFile = (p, ...rest) => watchFile.call(sys, real(p), ...rest);
  }
  return () => Object.assign(sys, orig);
}

/** True when some folder from `cwd` up has node_modules/@types/node (tslab's default type roots). */
function typesNodeAbove(cwd: string): boolean {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules', '@types', 'node', 'package.json'))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

/**
 * The mounts a kernel started in `cwd` needs. `apiEntry` is the compiled `index.js` of the public
 * API the kernel runs (its `.d.ts` sits beside it); `typesFrom` are folders to resolve @types/node from.
 */
export function kernelMounts(cwd: string, apiEntry: string, typesFrom: readonly string[]): Mount[] {
  const apiDir = path.dirname(apiEntry);
  const base = path.basename(apiEntry, '.js');
  const mounts: Mount[] = [
    {
      at: path.join(cwd, 'node_modules', 'neurostorm-lab'),
      target: apiDir,
      files: {
        'package.json': JSON.stringify({ name: 'neurostorm-lab', main: `${base}.js`, types: `${base}.d.ts` })
      }
    }
  ];
  if (!typesNodeAbove(cwd)) {
    let typesDir: string | null = null;
    try {
      typesDir = path.dirname(require.resolve('@types/node/package.json', { paths: [...typesFrom] }));
    } catch {
      // No @types/node installed anywhere we look: tslab falls back to its own folder.
    }
    if (typesDir)
      mounts.push({ at: path.join(cwd, 'node_modules', '@types', 'node'), target: typesDir, files: {} });
  }
  return mounts;
}

type RequireFn = (id: string) => unknown;

/**
 * Wraps a cell's `require` so `require("neurostorm-lab")` returns the API module at `apiEntry`
 * (the instance the kernel itself uses); every other id goes to the original.
 */
export function routePackageRequire<R extends RequireFn>(original: R, apiEntry: string): R {
  const loadApi = createRequire(apiEntry);
  return new Proxy(original, {
    apply(target, thisArg, args: unknown[]) {
      if (args.length === 1 && args[0] === 'neurostorm-lab') return loadApi(apiEntry);
      return Reflect.apply(target, thisArg, args);
    }
  });
}
