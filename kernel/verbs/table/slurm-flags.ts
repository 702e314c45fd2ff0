/**
 * Flags shared by the verbs that can run as Slurm array jobs (preprocess, finetune): `--slurm`,
 * `--wait`, and the sbatch options passed through. One schema, so every such verb takes them alike.
 */
import { ClusterRunOptions } from '../../cluster';
import { UsageError } from '../../errors';
import { FlagSchema, FlagValue } from '../flags';

export const SLURM_FLAGS: FlagSchema = {
  slurm: { type: 'boolean', description: 'run as a Slurm array job (one task per shard), job script in OUT/slurm/' },
  wait: { type: 'boolean', description: 'with --slurm: follow the job to its end and gather the results' },
  partition: { type: 'string', description: 'Slurm partition (sbatch --partition)' },
  time: { type: 'string', metavar: 'TIME', description: 'wall time per task (sbatch --time, e.g. 1:00:00)' },
  mem: { type: 'string', metavar: 'MEM', description: 'memory per task (sbatch --mem, e.g. 8G)' },
  'cpus-per-task': { type: 'number', integer: true, min: 1, description: 'CPUs per task (sbatch --cpus-per-task)' },
  gres: { type: 'string', description: 'generic resources per task (sbatch --gres, e.g. gpu:1)' },
  account: { type: 'string', description: 'Slurm account (sbatch --account)' },
  'sbatch-arg': { type: 'list', metavar: 'OPTION', description: 'further sbatch option, verbatim (repeatable, e.g. --qos=short)' }
};

/** The flags that only steer the cluster (never passed on to a task's own command). */
export const CLUSTER_ONLY_FLAGS = [...Object.keys(SLURM_FLAGS), 'sweep'];

export function clusterOptionsFromFlags(flags: Record<string, FlagValue>, env: NodeJS.ProcessEnv, signal?: AbortSignal): ClusterRunOptions {
  const str = (k: string) => (flags[k] === undefined ? undefined : String(flags[k]));
  return {
    env,
    signal,
    wait: flags.wait === true,
    slurm: {
      partition: str('partition'),
      time: str('time'),
      mem: str('mem'),
      cpusPerTask: flags.cpusPerTask as number | undefined,
      gres: str('gres'),
      account: str('account'),
      sbatchArgs: flags.sbatchArg as string[] | undefined
    }
  };
}

/** Refuses cluster options without --slurm (they would be silently ignored by a local run). */
export function checkSlurmFlags(flags: Record<string, FlagValue>): void {
  if (flags.slurm === true) return;
  const given = Object.keys(SLURM_FLAGS).filter(name => name !== 'slurm' && flags[camel(name)] !== undefined);
  if (given.length) throw new UsageError(`${given.map(n => `--${n}`).join(', ')} only apply to a Slurm job: add --slurm`);
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** kebab-case of a camelCase flag key. */
function kebab(key: string): string {
  return key.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);
}

/**
 * Command-line arguments that repeat parsed `flags` (camelCase keys) for a task's own command,
 * leaving out `omit` (kebab-case names) and the cluster-only flags.
 */
export function argvOfFlags(schema: FlagSchema, flags: Record<string, FlagValue>, omit: readonly string[]): string[] {
  const argv: string[] = [];
  for (const [key, value] of Object.entries(flags)) {
    const name = kebab(key);
    if (value === undefined || omit.includes(name) || CLUSTER_ONLY_FLAGS.includes(name) || !schema[name]) continue;
    if (schema[name].type === 'boolean') {
      if (value === true) argv.push(`--${name}`);
    } else if (Array.isArray(value)) for (const v of value) argv.push(`--${name}`, v);
    else argv.push(`--${name}`, String(value));
  }
  return argv;
}
