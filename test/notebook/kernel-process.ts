/**
 * Shared setup of the tests that start the real kernel: the compiled package (lib/, which
 * `npm test` builds first; NEUROSTORM_TEST_LIB may point at another compiled tree), a temp Jupyter
 * data dir with our kernelspec installed by the CLI, and notebooks written for a run.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.join(__dirname, '..', '..');
export const LIB = process.env.NEUROSTORM_TEST_LIB ?? path.join(ROOT, 'lib');
export const CLI = path.join(LIB, 'kernel', 'cli', 'main.js');
export const PYTHON = '/usr/bin/python3';
/** A small real T1 (91x109x91 uint8, MNI 2 mm) from the shared data. */
export const SAMPLE_NII = path.resolve(
  ROOT,
  '..',
  'shared',
  'data',
  'real',
  'nilearn',
  'avg152T1_brain.nii.gz'
);

export function requireBuild(): void {
  if (!fs.existsSync(path.join(LIB, 'kernel', 'notebook', 'kernel', 'kernel-main.js'))) {
    throw new Error(
      `compiled kernel not found under ${LIB}: run \`npm run build\` (npm test does) or set NEUROSTORM_TEST_LIB`
    );
  }
}

export function cli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = ROOT
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 180_000 });
}

export interface JupyterSandbox {
  prefix: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** A temp prefix with our kernelspec installed by `neurostorm install --prefix`, and an env pointing Jupyter at it. */
export function installSandbox(): JupyterSandbox {
  requireBuild();
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-jupyter-'));
  const dataDir = path.join(prefix, 'share', 'jupyter');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: dataDir,
    // Keep Jupyter's runtime/config files of the test out of the user's home.
    JUPYTER_RUNTIME_DIR: path.join(prefix, 'runtime'),
    JUPYTER_CONFIG_DIR: path.join(prefix, 'config'),
    JUPYTER_DATA_DIR: path.join(prefix, 'user-data'),
    JUPYTER_PLATFORM_DIRS: '0'
  };
  const res = cli(['install', '--prefix', prefix], env);
  if (res.status !== 0) throw new Error(`neurostorm install failed (${res.status}): ${res.stderr}`);
  return { prefix, dataDir, env, cleanup: () => fs.rmSync(prefix, { recursive: true, force: true }) };
}

export interface CellSpec {
  source: string;
  tags?: string[];
}

/** Writes an nbformat 4 notebook of code cells for our kernel. */
export function writeNotebook(file: string, cells: CellSpec[]): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'neurostorm', display_name: 'NeuroSTORM (TypeScript)', language: 'typescript' }
    },
    cells: cells.map((c, i) => ({
      cell_type: 'code',
      id: `cell-${i}`,
      metadata: c.tags ? { tags: c.tags } : {},
      source: c.source,
      outputs: [],
      execution_count: null
    }))
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
}

export interface SavedOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface SavedCell {
  source: string | string[];
  metadata: { tags?: string[] };
  outputs: SavedOutput[];
  execution_count: number | null;
}

export function readCells(file: string): SavedCell[] {
  const cells = (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Partial<SavedCell>[] }).cells;
  // Markdown cells have no outputs field.
  return cells.map(c => ({
    source: c.source ?? '',
    metadata: c.metadata ?? {},
    outputs: c.outputs ?? [],
    execution_count: c.execution_count ?? null
  }));
}

export function text(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join('') : (value ?? '');
}
