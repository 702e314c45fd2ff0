/**
 * Jupyter's data directories, computed as jupyter_core does (jupyter_core/paths.py:
 * jupyter_data_dir, jupyter_path, SYSTEM_JUPYTER_PATH), without Python: JUPYTER_PATH entries first,
 * then the user directory, then the environment (virtualenv/conda) and system ones. The platform,
 * environment and home directory are parameters so each platform's rules can be tested anywhere;
 * paths use that platform's separators (Windows paths on Windows, POSIX elsewhere).
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';

/** The kernelspec name our kernel installs under (`<data>/kernels/neurostorm`). */
export const KERNEL_NAME = 'neurostorm';
/** The labextension folder name (`<data>/labextensions/neurostorm-lab`), i.e. the npm package name. */
export const LABEXTENSION_NAME = 'neurostorm-lab';

/** The machine the paths are for: defaults are this process's. */
export interface JupyterHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

function hostOf(env: NodeJS.ProcessEnv, host: Partial<JupyterHost>): JupyterHost {
  return { platform: host.platform ?? process.platform, env, home: host.home ?? os.homedir() };
}

function pathsFor(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/**
 * The user data directory (`neurostorm install --user`): $JUPYTER_DATA_DIR, else
 * ~/Library/Jupyter on macOS, %APPDATA%\jupyter on Windows (~\.jupyter\data without APPDATA), and
 * $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter elsewhere.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, host: Partial<JupyterHost> = {}): string {
  const { platform, home } = hostOf(env, host);
  const p = pathsFor(platform);
  if (env.JUPYTER_DATA_DIR) return p.resolve(env.JUPYTER_DATA_DIR);
  if (platform === 'darwin') return p.join(home, 'Library', 'Jupyter');
  if (platform === 'win32') {
    if (env.APPDATA) return p.resolve(env.APPDATA, 'jupyter');
    // jupyter_core: jupyter_config_dir()/data, the config dir being $JUPYTER_CONFIG_DIR or ~/.jupyter.
    return p.join(env.JUPYTER_CONFIG_DIR || p.join(home, '.jupyter'), 'data');
  }
  return p.join(env.XDG_DATA_HOME || p.join(home, '.local', 'share'), 'jupyter');
}

/** System data directories: %PROGRAMDATA%\jupyter on Windows, /usr/local/share and /usr/share elsewhere. */
export function systemDataDirs(env: NodeJS.ProcessEnv = process.env, host: Partial<JupyterHost> = {}): string[] {
  const { platform } = hostOf(env, host);
  if (platform === 'win32') return env.PROGRAMDATA ? [path.win32.join(env.PROGRAMDATA, 'jupyter')] : [];
  return ['/usr/local/share/jupyter', '/usr/share/jupyter'];
}

/** The data directory of a prefix (`--prefix P` or a virtual environment): P/share/jupyter. */
export function prefixDataDir(prefix: string, platform: NodeJS.Platform = process.platform): string {
  const p = pathsFor(platform);
  return p.join(p.resolve(prefix), 'share', 'jupyter');
}

/**
 * Every data directory in Jupyter's search order, de-duplicated. JUPYTER_PREFER_ENV_PATH puts the
 * environment's directories before the user's, as jupyter_core does.
 */
export function jupyterDataPath(env: NodeJS.ProcessEnv = process.env, host: Partial<JupyterHost> = {}): string[] {
  const { platform } = hostOf(env, host);
  const p = pathsFor(platform);
  const dirs: string[] = [];
  for (const entry of (env.JUPYTER_PATH ?? '').split(p.delimiter)) if (entry) dirs.push(p.resolve(entry));
  const user = [userDataDir(env, host)];
  const environment = [env.VIRTUAL_ENV, env.CONDA_PREFIX].filter((x): x is string => !!x).map(x => prefixDataDir(x, platform));
  // jupyter_core's envset(): set to anything but no/n/false/off/0/0.0 (case-insensitive) counts as set.
  const prefer = env.JUPYTER_PREFER_ENV_PATH;
  const preferEnv = prefer !== undefined && !['no', 'n', 'false', 'off', '0', '0.0'].includes(prefer.toLowerCase());
  dirs.push(...(preferEnv ? [...environment, ...user] : [...user, ...environment]));
  dirs.push(...systemDataDirs(env, host));
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
