/**
 * `finetune`: ns.train.finetune, adapting the model to a task (tpt: prompts + head with the
 * backbone frozen, the official default; full; probe: head only), writing a run folder that
 * `evaluate` reads.
 */
import { finetune } from '../../train';
import { RunFolder } from '../../train/run-folder';
import { FinetuneRunResult } from '../results';
import { Verb } from '../verb';
import { TRAIN_FLAGS, trainOptionsFromFlags } from './train-flags';

export const FINETUNE_VERB: Verb<FinetuneRunResult> = {
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
    'label-fraction': { type: 'number', min: 0.01, max: 1, description: 'keep this fraction of the training subjects (seeded)' }
  },
  takesBody: true,
  call: async ({ flags }, ctx) => {
    const result = await finetune({
      ...trainOptionsFromFlags(flags),
      task: String(flags.task),
      mode: flags.mode as 'tpt' | 'full' | 'probe',
      folds: flags.folds as number | undefined,
      splitFile: flags.splitFile as string | undefined,
      promptLen: flags.promptLen as number | undefined,
      labelFraction: flags.labelFraction as number | undefined,
      signal: ctx.signal,
      onProgress: ctx.onProgress
    });
    return { kind: 'finetune', ...result, metrics: new RunFolder(result.run).readJsonl('metrics.jsonl') };
  }
};
