/**
 * Starts our kernel as a child process for `neurostorm run`: free ports, a connection file with a
 * fresh HMAC key (written atomically, 0600), `node kernel-main.js --config-path FILE` in the
 * notebook's folder. What a Jupyter kernel manager does, without Python.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '../../io/atomic';
import { kernelEntry } from './install';
import { PARENT_PID_ENV } from './kernel-env';
import { ConnectionInfo } from './wire';

/** A port the OS says is free now (the caller binds it a moment later, as jupyter_client does). */
export function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function newConnectionInfo(ip = '127.0.0.1'): Promise<ConnectionInfo> {
  const ports: number[] = [];
  while (ports.length < 5) {
    const p = await freePort(ip);
    if (!ports.includes(p)) ports.push(p);
  }
  const [shell, iopub, stdin, control, hb] = ports;
  return {
    transport: 'tcp',
    ip,
    shell_port: shell,
    iopub_port: iopub,
    stdin_port: stdin,
    control_port: control,
    hb_port: hb,
    key: randomBytes(32).toString('hex'),
    signature_scheme: 'hmac-sha256',
    kernel_name: 'neurostorm'
  };
}

export interface LaunchedKernel {
  process: ChildProcess;
  connection: ConnectionInfo;
  connectionFile: string;
  /** Everything the kernel wrote to stdout/stderr outside cells (start-up failures). */
  log(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

export async function launchKernel(
  cwd: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<LaunchedKernel> {
  const connection = await newConnectionInfo();
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'neurostorm-kernel-'));
  const connectionFile = path.join(dir, 'connection.json');
  await writeFileAtomic(connectionFile, JSON.stringify(connection));
  await fs.promises.chmod(connectionFile, 0o600);
  const child = spawn(process.execPath, [kernelEntry(), '--config-path', connectionFile], {
    cwd,
    // The kernel ends itself if this process dies without stopping it (parent-watchdog.ts).
    env: { ...env, [PARENT_PID_ENV]: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  const chunks: string[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString('utf8')));
  const exited = new Promise<number | string>(resolve => {
    child.once('exit', (code, signal) => {
      void fs.promises.rm(dir, { recursive: true, force: true });
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { process: child, connection, connectionFile, log: () => chunks.join(''), exited };
}
