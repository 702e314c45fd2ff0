/**
 * Running the commands a user types (npm, npx, git, node) from the packaging tests: a clean
 * environment and a failure message that carries the command's own output.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

/** The repository root (this checkout). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * This process's environment without what would hide a newcomer's problems: the onnxruntime-node
 * install switches, and the npm_* variables `npm test` exports (npm_config_onnxruntime_node_install
 * among them, read from this checkout's .npmrc).
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^ONNXRUNTIME_NODE_INSTALL/.test(k) || /^npm_/i.test(k) || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs `command args` in `cwd`; throws with the exit status and the output's tail unless it exits 0. */
export function run(command: string, args: string[], cwd: string, options: { env?: NodeJS.ProcessEnv; timeoutS?: number } = {}): Ran {
  const r = spawnSync(command, args, {
    cwd,
    env: options.env ?? userEnv(),
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: (options.timeoutS ?? 900) * 1000
  });
  if (r.status !== 0) {
    const tail = (s: string) => s.split('\n').slice(-40).join('\n');
    const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd}: ${why}\n--- stdout\n${tail(r.stdout ?? '')}\n--- stderr\n${tail(r.stderr ?? '')}`);
  }
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Disk use of a folder in KiB (du -sk), for the size report. */
export function diskKiB(dir: string): number {
  return Number(run('du', ['-sk', dir], dir).stdout.split(/\s/)[0]);
}
