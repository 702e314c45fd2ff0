/**
 * Flags shared by `pretrain` and `finetune` (one schema, so both verbs take them alike): data,
 * configuration, run folder, start, seed, resume, the recipe overrides and the device.
 */
import { FlagSchema } from '../flags';
import { DEVICE_FLAG } from './device-flag';

export const TRAIN_FLAGS: FlagSchema = {
  data: { type: 'string', required: true, path: 'dir', metavar: 'DATASET', description: 'BIDS dataset folder (raw or fMRIPrep)' },
  config: {
    type: 'string',
    path: 'file',
    metavar: 'cpu|official|FILE',
    default: 'cpu',
    description: 'model size: cpu (learns on 2 cores in minutes), official (the paper), or a config.json'
  },
  out: { type: 'string', required: true, path: 'dir', metavar: 'RUN', description: 'run folder to write (new or empty, or the run to --resume)' },
  from: { type: 'string', path: 'file', metavar: 'WEIGHTS_OR_RUN', description: 'start from weights (folder, .ckpt, .pth) or a run folder' },
  seed: { type: 'number', integer: true, min: 0, description: 'seed of splits, initialisation, sampling and masks' },
  resume: { type: 'boolean', description: "continue the run in --out exactly where it stopped" },
  recipe: { type: 'string', choices: ['default', 'official'], description: 'optimiser and schedule: ours (warmup + cosine, early stopping) or the official one' },
  lr: { type: 'number', min: 0, description: 'peak learning rate (default: the recipe\'s)' },
  epochs: { type: 'number', integer: true, min: 1, description: "epochs (default: the recipe's)" },
  batch: { type: 'number', integer: true, min: 1, description: "clips per step (default: the recipe's)" },
  patience: { type: 'number', integer: true, min: 0, description: 'epochs without validation improvement before stopping' },
  'cache-dir': { type: 'string', path: 'dir', metavar: 'DIR', description: 'preprocessing cache folder (default: DATASET/derivatives/neurostorm)' },
  'checkpoint-every': { type: 'number', integer: true, min: 1, description: 'steps between mid-epoch last/ checkpoints' },
  ...DEVICE_FLAG
};

/** The recipe overrides and shared options of a parsed train-verb call, as API options. */
export function trainOptionsFromFlags(flags: Record<string, unknown>) {
  const num = (k: string) => (flags[k] === undefined ? undefined : (flags[k] as number));
  const str = (k: string) => (flags[k] === undefined ? undefined : String(flags[k]));
  return {
    data: String(flags.data),
    out: String(flags.out),
    config: str('config'),
    from: str('from'),
    seed: num('seed'),
    resume: flags.resume === true,
    recipe: str('recipe') as 'default' | 'official' | undefined,
    lr: num('lr'),
    epochs: num('epochs'),
    batch: num('batch'),
    patience: num('patience'),
    cacheDir: str('cacheDir'),
    checkpointEvery: num('checkpointEvery')
  };
}
