/**
 * Where a cluster job keeps its files inside the output folder, beside the caches or runs it
 * makes: OUT/slurm/<name>.sbatch (the job script, readable and resubmittable with `sbatch`),
 * OUT/slurm/<name>.json (what was submitted: job ids and tasks), logs/<name>-<task>.log and
 * status/<name>-<task>.exit (the task's exit code, written atomically when the task's command ends).
 */
import * as fs from 'fs';
import * as path from 'path';

export interface JobFiles {
  dir: string;
  script: string;
  record: string;
  log(task: number): string;
  exit(task: number): string;
  logPattern: string;
}

export function jobFiles(out: string, name: string): JobFiles {
  const dir = path.join(path.resolve(out), 'slurm');
  return {
    dir,
    script: path.join(dir, `${name}.sbatch`),
    record: path.join(dir, `${name}.json`),
    log: task => path.join(dir, 'logs', `${name}-${task}.log`),
    exit: task => path.join(dir, 'status', `${name}-${task}.exit`),
    logPattern: path.join(dir, 'logs', `${name}-%a.log`)
  };
}

export function ensureJobDirs(files: JobFiles): void {
  fs.mkdirSync(path.join(files.dir, 'logs'), { recursive: true });
  fs.mkdirSync(path.join(files.dir, 'status'), { recursive: true });
}

/** The compiled CLI of this package (lib/kernel/cli/main.js), which array tasks run. */
export function cliEntry(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return path.join(dir, 'lib', 'kernel', 'cli', 'main.js');
}
