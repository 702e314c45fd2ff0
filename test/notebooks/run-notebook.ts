/**
 * Runs one of notebooks/*.ipynb the way CI and users do — `neurostorm run NOTEBOOK -p k=v ...` with
 * the compiled CLI (lib/, `npm run build:kernel` first; NEUROSTORM_LIB_DIR points at another) — in a
 * temporary copy of the notebook's folder, and reads back the executed notebook for assertions.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(process.env.NEUROSTORM_LIB_DIR ?? path.join(REPO, 'lib'), 'kernel', 'cli', 'main.js');

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

export interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[]; [k: string]: unknown };
  outputs?: Output[];
}

export interface Executed {
  dir: string;
  notebook: { cells: Cell[]; metadata: Record<string, unknown> };
  /** Exit status and what the CLI printed. */
  status: number | null;
  log: string;
}

const joined = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');

/** Copies notebooks/NAME.ipynb to a fresh folder and runs it there with `parameters`. */
export function runNotebookCli(name: string, parameters: Record<string, unknown>, extraArgs: string[] = []): Executed {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ns-nb-${name}-`));
  const input = path.join(dir, `${name}.ipynb`);
  fs.copyFileSync(path.join(REPO, 'notebooks', `${name}.ipynb`), input);
  const output = path.join(dir, `${name}.run.ipynb`);
  const args = [CLI, 'run', input, '-o', output, ...Object.entries(parameters).flatMap(([k, v]) => ['-p', `${k}=${JSON.stringify(v)}`]), ...extraArgs];
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, maxBuffer: 64 << 20 });
  const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (!fs.existsSync(output)) throw new Error(`neurostorm run wrote no notebook (status ${r.status}):\n${log}`);
  return { dir, notebook: JSON.parse(fs.readFileSync(output, 'utf8')), status: r.status, log };
}

export const codeCells = (e: Executed): Cell[] => e.notebook.cells.filter(c => c.cell_type === 'code');
export const sourceOf = (c: Cell): string => joined(c.source);
export const textOf = (o: Output): string => (o.output_type === 'stream' ? joined(o.text) : joined(o.data?.['text/plain'] as string | string[] | undefined));

/** Every error output, as "ename: evalue" (empty when all cells ran). */
export function errors(e: Executed): string[] {
  return codeCells(e).flatMap(c => (c.outputs ?? []).filter(o => o.output_type === 'error').map(o => `${o.ename}: ${o.evalue}`));
}

/** The code cell whose source matches `pattern` (exactly one). */
export function cell(e: Executed, pattern: RegExp): Cell {
  const found = codeCells(e).filter(c => pattern.test(sourceOf(c)));
  if (found.length !== 1) throw new Error(`${found.length} cells match ${pattern}`);
  return found[0];
}

/** All outputs of `c` carrying MIME type `mime`, as their parsed data. */
export function payloads<T = Record<string, unknown>>(c: Cell, mime: string): T[] {
  return (c.outputs ?? []).filter(o => o.data && mime in o.data).map(o => o.data?.[mime] as T);
}

/** Text printed by `c` (streams and text/plain results). */
export const printed = (c: Cell): string => (c.outputs ?? []).map(textOf).join('\n');

export const VOLUME = 'application/vnd.neurostorm.volume+json';
export const PLOT = 'application/vnd.neurostorm.plot+json';
export const PNG = 'image/png';
