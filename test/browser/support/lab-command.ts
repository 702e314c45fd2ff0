/**
 * Starts `neurostorm lab FOLDER --frontend bundled` (the compiled CLI) with the npm-assembled
 * JupyterLab frontend, in a private Jupyter environment under `work`, and resolves once it prints
 * its URL. Used by the `lab` command test and the runs panel test.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as path from 'path';
import { REPO_ROOT } from './bundle';

export const CLI = path.join(process.env.NEUROSTORM_LIB_DIR ?? path.join(REPO_ROOT, 'lib'), 'kernel', 'cli', 'main.js');

export interface LabCommand {
  child: ChildProcessWithoutNullStreams;
  /** The URL printed, token included. */
  url: string;
  origin: string;
  token: string;
  port: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

export async function startLabCommand(folder: string, work: string, appDir: string): Promise<LabCommand> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEUROSTORM_LAB_APP: appDir,
    HOME: work,
    JUPYTER_CONFIG_DIR: path.join(work, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(work, 'runtime'),
    JUPYTER_DATA_DIR: path.join(work, 'data')
  };
  delete env.JUPYTER_PATH;
  const child = spawn(process.execPath, [CLI, 'lab', folder, '--prefix', path.join(work, 'prefix'), '--no-browser', '--frontend', 'bundled'], { env, stdio: 'pipe' }) as ChildProcessWithoutNullStreams;
  let output = '';
  child.stdout.on('data', d => (output += String(d)));
  child.stderr.on('data', d => (output += String(d)));
  const exited = new Promise<{ code: number | null; signal: string | null }>(resolve => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 180 s:\n${output}`)), 180_000);
    const look = () => {
      const m = /JupyterLab at (http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr.on('data', look);
    child.stdout.on('data', look);
    void exited.then(e => reject(new Error(`neurostorm lab exited with ${e.code}:\n${output}`)));
  });
  const parsed = new URL(url);
  return { child, url, origin: parsed.origin, token: parsed.searchParams.get('token') as string, port: Number(parsed.port), output: () => output, exited };
}
