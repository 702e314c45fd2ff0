/**
 * The Slurm options a user passes through (`--partition`, `--time`, `--mem`, `--cpus-per-task`,
 * `--gres`, `--account`, extra `--sbatch-arg`), as `#SBATCH` lines of a job script. We pass them
 * on untouched: Slurm itself checks them (sbatch refuses a bad partition with its own message).
 */
import { UsageError } from '../errors';

export interface SlurmOptions {
  partition?: string;
  /** Wall time per task, in any form sbatch takes (`30`, `1:00:00`, `1-00:00:00`). */
  time?: string;
  /** Memory per node, e.g. `4G`. */
  mem?: string;
  cpusPerTask?: number;
  gres?: string;
  account?: string;
  /** Further sbatch options verbatim, e.g. `--qos=short`. */
  sbatchArgs?: string[];
}

/** The `#SBATCH` lines for `options` (a directive per option, in a fixed order). */
export function sbatchDirectives(options: SlurmOptions): string[] {
  const lines: string[] = [];
  const add = (flag: string, value: string | number | undefined) => {
    if (value === undefined || value === '') return;
    if (/[\r\n]/.test(String(value))) throw new UsageError(`the Slurm option --${flag} must be one line, got ${JSON.stringify(value)}`);
    lines.push(`#SBATCH --${flag}=${value}`);
  };
  add('partition', options.partition);
  add('time', options.time);
  add('mem', options.mem);
  add('cpus-per-task', options.cpusPerTask);
  add('gres', options.gres);
  add('account', options.account);
  for (const arg of options.sbatchArgs ?? []) {
    if (!arg.startsWith('-') || /[\r\n]/.test(arg))
      throw new UsageError(`--sbatch-arg takes one sbatch option such as --qos=short, got ${JSON.stringify(arg)}`);
    lines.push(`#SBATCH ${arg}`);
  }
  return lines;
}
