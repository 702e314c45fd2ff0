/**
 * The flags of synth, shared by `neurostorm synth` and `%neurostorm synth` (both are front ends of
 * ns.data.synth): one schema and one flags -> options mapping, so the two cannot drift apart.
 */
import { FlagSchema } from './flags';
import { SYNTH_DEFAULTS, SynthWriteOptions } from '../data';

export const SYNTH_FLAGS: FlagSchema = {
  out: { type: 'string', alias: 'o', description: 'folder to write the BIDS dataset into (new or empty)' },
  subjects: { type: 'number', description: 'participants', default: SYNTH_DEFAULTS.subjects },
  sessions: { type: 'number', description: 'sessions per participant', default: SYNTH_DEFAULTS.sessions },
  frames: { type: 'number', description: 'frames per run', default: SYNTH_DEFAULTS.frames },
  tr: { type: 'number', description: 'repetition time in seconds', default: SYNTH_DEFAULTS.tr },
  seed: {
    type: 'number',
    description: 'random seed (same seed, same dataset)',
    default: SYNTH_DEFAULTS.seed
  },
  effect: {
    type: 'number',
    description: 'one size for all effects (sex, age, diagnosis, phenotype, fingerprint); 0 = none'
  },
  task: { type: 'boolean', description: 'task blocks (labels in events.tsv) instead of rest' },
  atlas: {
    type: 'string',
    description: 'label atlas NIfTI on the MNI 2 mm grid (default: AAL3 from ../shared/data/real)'
  },
  mask: { type: 'string', description: 'MNI 2 mm brain mask NIfTI (default: from ../shared/data/real)' },
  overwrite: { type: 'boolean', description: 'write into a non-empty folder' }
};

/**
 * Parsed flags (or a magic's merged config, whose values may be strings from YAML) -> synth options.
 * Progress and abort hooks are the caller's to add.
 */
export function synthOptionsFromFlags(flags: Record<string, unknown>): SynthWriteOptions {
  const num = (k: string) => (flags[k] === undefined ? undefined : Number(flags[k]));
  const str = (k: string) => (flags[k] === undefined ? undefined : String(flags[k]));
  const e = num('effect');
  return {
    out: String(flags.out),
    subjects: num('subjects'),
    sessions: num('sessions'),
    frames: num('frames'),
    tr: num('tr'),
    seed: num('seed'),
    effects: e === undefined ? undefined : { sex: e, age: e, diagnosis: e, phenotype: e, fingerprint: e },
    task: flags.task === true,
    atlas: str('atlas'),
    mask: str('mask'),
    overwrite: flags.overwrite === true
  };
}
