/**
 * `neurostorm lab [FOLDER]`: installs our kernelspec and labextension, then serves JupyterLab on
 * FOLDER (127.0.0.1, a random token) until the signal aborts (Ctrl+C), and stops it cleanly: kernels
 * shut down through the API, then the server is asked to stop (SIGTERM), SIGKILL only if it hangs.
 *
 * Which JupyterLab: the user's `jupyter-lab` when it is on PATH; otherwise the npm-assembled
 * JupyterLab 4 frontend (the bundle the browser tests build, in a development checkout's
 * node_modules/.cache/neurostorm-browser/lab-app-*, or NEUROSTORM_LAB_APP) served by Python's
 * jupyter_server + jupyterlab_server (nslab_server.py). With neither, a ConfigError says what to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfigError, UsageError } from '../../errors';
import type { InstallLocation } from './paths';
import { packageRoot } from '../../version';
import { installJupyter, InstallTarget } from './install';
import { freePort } from './kernel-launch';

export type LabFrontend = 'jupyterlab' | 'bundled';

export interface LabOptions extends InstallTarget {
  /** The folder JupyterLab opens (its file browser root). */
  folder: string;
  /** 0 (default): a free port. */
  port?: number;
  /** Open a web browser (jupyter lab only; the bundled frontend prints its URL). */
  browser?: boolean;
  /** `auto` (default): jupyter-lab when installed, else the bundled frontend. */
  frontend?: LabFrontend | 'auto';
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Called once the server answers, with the URL to open (token included). */
  onReady?: (url: string) => void;
}

export interface LabSession {
  frontend: LabFrontend;
  folder: string;
  /** Base URL (no token). */
  url: string;
  installed: InstallLocation;
  /** The server's exit code after it was stopped (null when it ended by a signal). */
  exitCode: number | null;
}

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/** `name` on PATH, or null. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const ext of exts) if (isExecutable(path.join(dir, name + ext))) return path.join(dir, name + ext);
  }
  return null;
}

/** A Python that imports jupyter_server and jupyterlab_server (Debian's /usr/bin/python3 first), or null. */
export function labServerPython(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = ['/usr/bin/python3', onPath('python3', env), onPath('python', env)].filter((p): p is string => !!p && isExecutable(p));
  for (const py of [...new Set(candidates)]) {
    const r = spawnSync(py, ['-c', 'import jupyter_server, jupyterlab_server'], { env, stdio: 'ignore', timeout: 30_000 });
    if (r.status === 0) return py;
  }
  return null;
}

/** The assembled frontend: NEUROSTORM_LAB_APP, else the newest complete bundle in the checkout's cache; or null. */
export function bundledFrontend(env: NodeJS.ProcessEnv = process.env): string | null {
  const complete = (dir: string) => ['static', 'templates', 'schemas'].every(d => fs.existsSync(path.join(dir, d)));
  if (env.NEUROSTORM_LAB_APP) {
    if (!complete(env.NEUROSTORM_LAB_APP)) throw new ConfigError('NEUROSTORM_LAB_APP is not a built JupyterLab frontend (static/, templates/, schemas/)', { file: env.NEUROSTORM_LAB_APP });
    return env.NEUROSTORM_LAB_APP;
  }
  const cache = path.join(packageRoot(), 'node_modules', '.cache', 'neurostorm-browser');
  if (!fs.existsSync(cache)) return null;
  const built = fs
    .readdirSync(cache)
    .filter(n => n.startsWith('lab-app'))
    .map(n => path.join(cache, n))
    .filter(complete)
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return built[0] ?? null;
}

export const NO_JUPYTER_HINT =
  'install JupyterLab (`pip install jupyterlab`, or `conda install -c conda-forge jupyterlab`) and run `neurostorm lab` again; ' +
  'in a development checkout, Python jupyter_server + jupyterlab_server (`pip install jupyterlab_server`, Debian: python3-jupyterlab-server) ' +
  'serve the npm-assembled frontend instead (built by `npx jest test/browser/lab.test.ts`, or point NEUROSTORM_LAB_APP at one)';

async function waitReady(url: string, child: ChildProcess, log: () => string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !signal?.aborted) {
    if (child.exitCode !== null || child.signalCode !== null) throw new ConfigError(`the Jupyter server exited before answering:\n${log()}`);
    try {
      if ((await fetch(`${url}/api/status`)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 250));
  }
  if (!signal?.aborted) throw new ConfigError(`the Jupyter server did not answer within 120 s:\n${log()}`);
}

/** Shuts kernels down through the API, then stops the server (SIGTERM; SIGKILL after 10 s). */
async function stopServer(child: ChildProcess, url: string, token: string): Promise<void> {
  try {
    const kernels = (await (await fetch(`${url}/api/kernels?token=${token}`)).json()) as { id: string }[];
    await Promise.all(kernels.map(k => fetch(`${url}/api/kernels/${k.id}?token=${token}`, { method: 'DELETE' })));
  } catch {
    // the server is already gone
  }
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Serves JupyterLab on `options.folder` until `options.signal` aborts or the server ends. */
export async function runLab(options: LabOptions): Promise<LabSession> {
  const env = options.env ?? process.env;
  const folder = path.resolve(options.folder);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new UsageError('the folder to open does not exist', { file: folder });
  const want = options.frontend ?? 'auto';
  const jupyterLab = want === 'bundled' ? null : onPath('jupyter-lab', env);
  if (want === 'jupyterlab' && !jupyterLab) throw new ConfigError('`jupyter-lab` is not on PATH', { hint: NO_JUPYTER_HINT });
  const python = jupyterLab ? null : labServerPython(env);
  const appDir = jupyterLab ? null : bundledFrontend(env);
  if (!jupyterLab && (!python || !appDir)) {
    const missing = !python ? 'no `jupyter lab` and no Python with jupyter_server + jupyterlab_server' : 'no `jupyter lab`, and no npm-assembled JupyterLab frontend was built';
    throw new ConfigError(`cannot start JupyterLab: ${missing}`, { hint: NO_JUPYTER_HINT });
  }

  const installed = await installJupyter({ user: options.user, prefix: options.prefix }, env);
  const port = options.port || (await freePort());
  const token = crypto.randomBytes(24).toString('hex');
  const server = [
    `--ServerApp.ip=127.0.0.1`,
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.token=${token}`,
    `--ServerApp.root_dir=${folder}`,
    ...(process.getuid?.() === 0 ? ['--ServerApp.allow_root=True'] : [])
  ];
  // Our data folder first on the Jupyter path, so this kernelspec and labextension are the ones found.
  const jupyterPath = [installed.dataDir, ...(env.JUPYTER_PATH ?? '').split(path.delimiter).filter(Boolean)].join(path.delimiter);
  let child: ChildProcess;
  if (jupyterLab) {
    child = spawn(jupyterLab, [...server, `--ServerApp.open_browser=${options.browser === true ? 'True' : 'False'}`], {
      env: { ...env, JUPYTER_PATH: jupyterPath },
      stdio: ['ignore', 'pipe', 'pipe']
    });
  } else {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'neurostorm-lab-'));
    child = spawn(python as string, ['-c', 'import nslab_server as s; s.main()', ...server, '--ServerApp.open_browser=False'], {
      env: {
        ...env,
        PYTHONPATH: [path.join(packageRoot(), 'kernel', 'verbs', 'jupyter'), env.PYTHONPATH].filter(Boolean).join(path.delimiter),
        JUPYTER_PATH: jupyterPath,
        NSLAB_APP_DIR: appDir as string,
        NSLAB_STATE_DIR: state,
        NSLAB_LABEXTENSIONS: path.join(installed.dataDir, 'labextensions')
      },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    child.once('exit', () => fs.rmSync(state, { recursive: true, force: true }));
  }
  let output = '';
  const keep = (d: Buffer) => (output = (output + String(d)).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
  try {
    await waitReady(url, child, () => output, options.signal);
    if (!options.signal?.aborted) options.onReady?.(`${url}/lab?token=${token}`);
    await new Promise<void>(resolve => {
      if (options.signal?.aborted) return resolve();
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
      void exited.then(() => resolve());
    });
  } finally {
    await stopServer(child, url, token);
  }
  return { frontend: jupyterLab ? 'jupyterlab' : 'bundled', folder, url, installed, exitCode: await exited };
}
