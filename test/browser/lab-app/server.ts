/**
 * Starts and stops the test frontend's server: Debian's jupyter_server 1.23 with jupyterlab_server
 * (nslab_test_server.py), on 127.0.0.1 with a random token, serving `rootDir`.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { freePort } from '../../../kernel/verbs/jupyter/kernel-launch';

export interface LabServer {
  url: string;
  token: string;
  /** Everything the server printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface LabServerOptions {
  appDir: string;
  rootDir: string;
  stateDir: string;
  /** Jupyter data folders (kernels/, labextensions/) to use, as `neurostorm install --prefix` wrote them. */
  jupyterPath: string[];
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jupyter server exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/api/status`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`jupyter server did not answer within ${timeoutMs} ms:\n${log()}`);
}

export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  const port = await freePort();
  const token = crypto.randomBytes(16).toString('hex');
  for (const dir of [options.stateDir, options.rootDir]) fs.mkdirSync(dir, { recursive: true });
  const args = [
    '-c',
    'import nslab_test_server as s; s.main()',
    `--ServerApp.port=${port}`,
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.token=${token}`,
    `--ServerApp.root_dir=${options.rootDir}`,
    '--ServerApp.open_browser=False',
    '--ServerApp.port_retries=0',
    ...(process.getuid?.() === 0 ? ['--ServerApp.allow_root=True'] : [])
  ];
  const env = {
    ...process.env,
    PYTHONPATH: __dirname,
    NSLAB_APP_DIR: options.appDir,
    NSLAB_STATE_DIR: options.stateDir,
    NSLAB_LABEXTENSIONS: options.jupyterPath.map(p => path.join(p, 'labextensions')).join(path.delimiter),
    JUPYTER_PATH: options.jupyterPath.join(path.delimiter),
    // Keep the user's own Jupyter config and runtime files out of the test.
    JUPYTER_CONFIG_DIR: path.join(options.stateDir, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(options.stateDir, 'runtime'),
    JUPYTER_DATA_DIR: path.join(options.stateDir, 'data')
  };
  const child = spawn('/usr/bin/python3', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', d => (output += String(d)));
  child.stderr?.on('data', d => (output += String(d)));
  const url = `http://127.0.0.1:${port}`;
  const log = (): string => output.slice(-6000);
  await waitReady(url, child, log, 60_000);
  return {
    url,
    token,
    log,
    stop: async () => {
      // Shut kernels down through the API first, so none is left behind.
      try {
        const res = await fetch(`${url}/api/kernels?token=${token}`);
        const kernels = (await res.json()) as { id: string }[];
        await Promise.all(kernels.map(k => fetch(`${url}/api/kernels/${k.id}?token=${token}`, { method: 'DELETE' })));
      } catch {
        // the server may already be gone
      }
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise<void>(resolve => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
  };
}
