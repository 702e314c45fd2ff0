/**
 * A real single-node Slurm for the cluster tests (Debian slurm-wlm 22.05 + munge, installed by
 * .ci/run): its own slurm.conf in a temp dir (SLURM_CONF), 127.0.0.1 only, free ports, munged run
 * as the munge user on its own socket, slurmctld and slurmd in the foreground as our children (no
 * systemd, no cgroups: proctrack/linuxproc, task/none), the job-completion log instead of an
 * accounting database. Every wait is bounded; stop() kills the daemons even when a test failed.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../../kernel/verbs/jupyter/kernel-launch';

export interface SlurmCluster {
  dir: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function requireBinary(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', ...(process.env.PATH ?? '').split(':')]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`${name} is missing: the Slurm tests need Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge; .ci/run installs them)`);
}

async function until(what: string, check: () => boolean, timeoutMs: number, logs: string[]): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) {
      const tails = logs.map(f => `--- ${f}\n${fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(-15).join('\n') : '(no log)'}`);
      throw new Error(`local Slurm: ${what} not ready after ${timeoutMs / 1000} s\n${tails.join('\n')}`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

export async function startSlurm(cpus = 2): Promise<SlurmCluster> {
  const bins = Object.fromEntries(['munged', 'slurmctld', 'slurmd', 'sbatch', 'sinfo'].map(b => [b, requireBinary(b)]));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-slurm-'));
  fs.chmodSync(dir, 0o755);
  const mungeDir = path.join(dir, 'munge');
  for (const d of ['munge', 'state', 'spool', 'log']) fs.mkdirSync(path.join(dir, d));
  const uid = Number(execFileSync('id', ['-u', 'munge']).toString());
  const gid = Number(execFileSync('id', ['-g', 'munge']).toString());
  fs.chownSync(mungeDir, uid, gid);
  fs.chmodSync(mungeDir, 0o700);
  const socket = path.join(mungeDir, 'munge.sock');
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'slurm.conf');
  fs.writeFileSync(
    conf,
    [
      'ClusterName=nstest',
      'SlurmctldHost=localhost',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobCompType=jobcomp/filetxt',
      `JobCompLoc=${dir}/log/jobcomp.txt`,
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'ReturnToService=2',
      'MpiDefault=none',
      'KillWait=5',
      `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN`,
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      ''
    ].join('\n')
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const children: ChildProcess[] = [];
  const logs = [`${dir}/munge/munged.log`, `${dir}/log/slurmctld.log`, `${dir}/log/slurmd.log`];
  const daemon = (bin: string, args: string[], extra: { uid?: number; gid?: number } = {}) => {
    const child = spawn(bin, args, { env, stdio: 'ignore', ...extra });
    child.on('error', () => undefined);
    children.push(child);
    return child;
  };
  const stop = async () => {
    for (const c of [...children].reverse()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (children.some(c => c.exitCode === null && c.signalCode === null) && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 100));
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    daemon(bins.munged, ['-F', `--socket=${socket}`, `--pid-file=${mungeDir}/munged.pid`, `--log-file=${mungeDir}/munged.log`, `--seed-file=${mungeDir}/seed`, '--force'], { uid, gid });
    await until('munged', () => fs.existsSync(socket), 15_000, logs);
    daemon(bins.slurmctld, ['-D', '-i']);
    daemon(bins.slurmd, ['-D', '-N', 'localhost']);
    await until(
      'the node',
      () => /idle/.test(spawnSync(bins.sinfo, ['-h', '-o', '%T'], { env, encoding: 'utf8', timeout: 5000 }).stdout ?? ''),
      30_000,
      logs
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, env, stop };
}

/** The compiled CLI of this checkout, which the array tasks run too (npm run build:kernel). */
export const CLI = path.join(__dirname, '..', '..', 'lib', 'kernel', 'cli', 'main.js');

export function requireBuiltCli(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build:kernel first`);
}

/** Runs `neurostorm ARGS` against the cluster in `env`, killed after `timeoutMs` so nothing hangs. */
export function neurostormCli(env: NodeJS.ProcessEnv, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [CLI, ...args], { env });
    let out = '';
    let err = '';
    child.stdout.on('data', d => (out += d));
    child.stderr.on('data', d => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
