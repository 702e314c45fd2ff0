/**
 * Jupyter's data directories, computed as jupyter_core does (jupyter_core/paths.py), without Python:
 * JUPYTER_PATH entries first, then the user directory, then the environment and system ones.
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';

/** The kernelspec name our kernel installs under (`<data>/kernels/neurostorm`). */
export const KERNEL_NAME = 'neurostorm';
/** The labextension folder name (`<data>/labextensions/neurostorm-lab`), i.e. the npm package name. */
export const LABEXTENSION_NAME = 'neurostorm-lab';

/** The user data directory: $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  const xdg = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'jupyter');
}

/** System data directories (jupyter_core's SYSTEM_JUPYTER_PATH on Linux/macOS). */
export function systemDataDirs(): string[] {
  return ['/usr/local/share/jupyter', '/usr/share/jupyter'];
}

/** The data directory of a prefix (`--prefix P` or a virtual environment): P/share/jupyter. */
export function prefixDataDir(prefix: string): string {
  return path.join(path.resolve(prefix), 'share', 'jupyter');
}

/** Every data directory in Jupyter's search order, de-duplicated. */
export function jupyterDataPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  for (const p of (env.JUPYTER_PATH ?? '').split(path.delimiter)) if (p) dirs.push(path.resolve(p));
  dirs.push(userDataDir(env));
  if (env.VIRTUAL_ENV) dirs.push(prefixDataDir(env.VIRTUAL_ENV));
  if (env.CONDA_PREFIX) dirs.push(prefixDataDir(env.CONDA_PREFIX));
  dirs.push(...systemDataDirs());
  return [...new Set(dirs)];
}

export interface InstallLocation {
  dataDir: string;
  kernelspec: string;
  labextension: string;
  kernelspecInstalled: boolean;
  labextensionInstalled: boolean;
}

/** Where our kernelspec and labextension would live under one data directory, and whether they do. */
export function installLocation(dataDir: string): InstallLocation {
  const kernelspec = path.join(dataDir, 'kernels', KERNEL_NAME);
  const labextension = path.join(dataDir, 'labextensions', LABEXTENSION_NAME);
  return {
    dataDir,
    kernelspec,
    labextension,
    kernelspecInstalled: fs.existsSync(path.join(kernelspec, 'kernel.json')),
    labextensionInstalled: fs.existsSync(path.join(labextension, 'package.json'))
  };
}
