/**
 * `finetune`: ns.train.finetune, adapting the model to a task (tpt: prompts + head with the
 * backbone frozen, the official default; full; probe: head only), writing a run folder that
 * `evaluate` reads.
 */
import { finetune } from '../../train';
import { RunFolder } from '../../train/run-folder';
import { finetuneSweepOnSlurm, parseSweep, sweepPoints } from '../../cluster';
import { UsageError } from '../../errors';
import { ClusterJobsResult, FinetuneRunResult } from '../results';
import { Verb, VerbInput } from '../verb';
import { TRAIN_FLAGS, trainOptionsFromFlags } from './train-flags';
import { argvOfFlags, checkSlurmFlags, clusterOptionsFromFlags, SLURM_FLAGS } from './slurm-flags';
import { onDeviceFlag } from './device-flag';

/** What a sweep may vary: the finetune flags that define one run. */
const SWEEPABLE = ['seed', 'mode', 'folds', 'task', 'lr', 'epochs', 'batch', 'prompt-len', 'label-fraction'];

export const FINETUNE_VERB: Verb<FinetuneRunResult | ClusterJobsResult> = {
  name: 'finetune',
  summary: 'adapt the model to a task (sex, age, diagnosis, state, reid, phenotype:COLUMN), writing a run folder',
  positionals: [],
  flags: {
    ...TRAIN_FLAGS,
    task: {
      type: 'string',
      required: true,
      choices: ['sex', 'age', 'diagnosis', 'state', 'reid'],
      pattern: { regex: /^phenotype:\S+$/, describe: 'phenotype:COLUMN' },
      metavar: 'sex|age|diagnosis|state|reid|phenotype:COLUMN',
      description: 'what to predict (a participants.tsv column for phenotype:COLUMN)'
    },
    mode: {
      type: 'string',
      choices: ['tpt', 'full', 'probe'],
      default: 'tpt',
      description: 'tpt: prompts + head, backbone frozen; full: everything; probe: head only'
    },
    folds: { type: 'number', integer: true, min: 2, metavar: 'K', description: 'k-fold cross-validation: every subject tested once' },
    'split-file': { type: 'string', path: 'file', description: 'your split (JSON, or the official text form) instead of a seeded one' },
    'prompt-len': { type: 'number', integer: true, min: 1, description: 'TPT prompt tokens per block (default 8 for cpu, 50 otherwise)' },
    'label-fraction': { type: 'number', min: 0.01, max: 1, description: 'keep this fraction of the training subjects (seeded)' },
    sweep: {
      type: 'list',
      metavar: 'NAME=V1,V2',
      continues: /^[a-z][\w-]*=/,
      description: `with --slurm: one run per combination, under --out (repeatable; varies ${SWEEPABLE.join(', ')})`
    },
    ...SLURM_FLAGS
  },
  takesBody: true,
  check: ({ flags }: VerbInput) => {
    checkSlurmFlags(flags);
    if (flags.sweep !== undefined && flags.slurm !== true) throw new UsageError('--sweep runs on Slurm: add --slurm');
    if (flags.sweep !== undefined) parseSweep(flags.sweep as string[], SWEEPABLE);
  },
  call: async ({ flags }, ctx) => {
    if (flags.slurm === true) {
      const points = sweepPoints(parseSweep((flags.sweep as string[] | undefined) ?? ['seed=' + String(flags.seed ?? 0)], SWEEPABLE));
      const job = await finetuneSweepOnSlurm(
        String(flags.out),
        points,
        (point, run) => [
          'finetune',
          ...argvOfFlags(FINETUNE_VERB.flags, flags, ['out', ...Object.keys(point)]),
          ...Object.entries(point).flatMap(([k, v]) => [`--${k}`, v]),
          '--out',
          run
        ],
        { ...clusterOptionsFromFlags(flags, ctx.env, ctx.signal), onProgress: ctx.onProgress }
      );
      return { kind: 'cluster-jobs', jobs: [job.status], sweep: job.rows };
    }
    const result = await onDeviceFlag(flags, () => finetune({
      ...trainOptionsFromFlags(flags),
      task: String(flags.task),
      mode: flags.mode as 'tpt' | 'full' | 'probe',
      folds: flags.folds as number | undefined,
      splitFile: flags.splitFile as string | undefined,
      promptLen: flags.promptLen as number | undefined,
      labelFraction: flags.labelFraction as number | undefined,
      signal: ctx.signal,
      onProgress: ctx.onProgress
    }));
    return { kind: 'finetune', ...result, metrics: new RunFolder(result.run).readJsonl('metrics.jsonl') };
  }
};
