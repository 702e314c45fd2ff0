/**
 * The array job script: one `neurostorm` command per task, chosen by SLURM_ARRAY_TASK_ID. The
 * script records each task's exit code in status/ (write then rename, so a reader never sees half
 * a number); a task that Slurm signals (scancel, time limit) waits for its command to stop at a
 * safe point and leaves no exit file, which is how the follower tells "cancelled" from "failed". The script is plain bash a user can read and resubmit.
 */
import { writeFileAtomicSync } from '../io/atomic';
import { JobFiles, cliEntry, ensureJobDirs } from './paths';
import { SlurmOptions, sbatchDirectives } from './options';

/** Single-quoted for bash. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface ArrayJobSpec {
  /** Short job name (also the file stem under OUT/slurm). */
  name: string;
  /** `neurostorm` arguments of each task, by task index. */
  tasks: string[][];
  /** Which task indices to submit (all by default; a resubmission names the missing/failed ones). */
  submit?: number[];
  slurm: SlurmOptions;
}

/** Slurm's compact array spec for sorted indices: 0-3,5,7-8. */
export function arraySpec(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Writes the job script for `spec` into `files.script` and returns its text. */
export function writeJobScript(files: JobFiles, spec: ArrayJobSpec): string {
  ensureJobDirs(files);
  const node = shellQuote(process.execPath);
  const cli = shellQuote(cliEntry());
  const submit = spec.submit ?? spec.tasks.map((_, i) => i);
  const cases = spec.tasks.map((argv, i) => `  ${i}) set -- ${argv.map(shellQuote).join(' ')} ;;`);
  const text = [
    '#!/bin/bash',
    `# neurostorm ${spec.name}: ${spec.tasks.length} array tasks. Resubmit with: sbatch ${shellQuote(files.script)}`,
    `#SBATCH --job-name=neurostorm-${spec.name}`,
    `#SBATCH --array=${arraySpec(submit)}`,
    `#SBATCH --output=${files.logPattern}`,
    ...sbatchDirectives(spec.slurm),
    'set -u',
    'task="${SLURM_ARRAY_TASK_ID:?run this script with sbatch}"',
    'case "$task" in',
    ...cases,
    '  *) echo "no task $task in this job" >&2; exit 2 ;;',
    'esac',
    `status=${shellQuote(files.exit(0).replace(/-0\.exit$/, ''))}-"$task".exit`,
    'rm -f "$status"',
    // Slurm signals every process of the task on scancel or at its time limit; the command stops
    // at its next safe point. The script waits for it (an orphaned command would go on writing
    // after the task "ended") and then records no exit code: the task reads as cancelled.
    'cancelled=""',
    'trap \'cancelled=1\' TERM INT',
    `${node} ${cli} "$@" &`,
    'child=$!',
    'wait "$child"; code=$?',
    'while kill -0 "$child" 2>/dev/null; do wait "$child"; code=$?; done',
    '[ -n "$cancelled" ] && exit "$code"',
    'printf \'%s\\n\' "$code" > "$status.tmp" && mv "$status.tmp" "$status"',
    'exit "$code"',
    ''
  ].join('\n');
  writeFileAtomicSync(files.script, text);
  return text;
}
