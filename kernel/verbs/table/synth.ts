/**
 * `synth`: the synthetic BIDS cohort (ns.data.synth). One schema and one flags -> options mapping
 * for `neurostorm synth` and `%neurostorm synth`, with the limits the rest of the pipeline needs:
 * a run shorter than one 20-frame clip at the 0.8 s model TR is refused here, not by `check` later.
 */
import { UsageError } from '../../errors';
import { FlagSchema } from '../flags';
import { SYNTH_DEFAULTS, SynthWriteOptions, synth, TARGET_TR } from '../../data';
import { SynthResult } from '../results';
import { checkAtlasFlag } from '../atlas-flag';
import { Verb, VerbInput } from '../verb';

/** Frames of one clip (spec §1 sequence_length), the length ns.data.check and the sampler use. */
export const CLIP_FRAMES = 20;

export const SYNTH_FLAGS: FlagSchema = {
  out: {
    type: 'string',
    alias: 'o',
    path: 'dir',
    metavar: 'DIR',
    description: 'folder to write the BIDS dataset into (new or empty)',
    required: true
  },
  subjects: { type: 'number', integer: true, min: 2, description: 'participants', default: SYNTH_DEFAULTS.subjects },
  sessions: { type: 'number', integer: true, min: 1, description: 'sessions per participant', default: SYNTH_DEFAULTS.sessions },
  frames: {
    type: 'number',
    integer: true,
    min: 1,
    description: `frames per run (at least one ${CLIP_FRAMES}-frame clip at ${TARGET_TR} s)`,
    default: SYNTH_DEFAULTS.frames
  },
  tr: { type: 'number', min: 0.01, metavar: 'SECONDS', description: 'repetition time in seconds', default: SYNTH_DEFAULTS.tr },
  seed: { type: 'number', integer: true, description: 'random seed (same seed, same dataset)', default: SYNTH_DEFAULTS.seed },
  'population-seed': {
    type: 'number',
    integer: true,
    metavar: 'N',
    description: 'seed of the population (brain networks, effect patterns, anatomy); cohorts sharing it differ only in their people (default: --seed)'
  },
  effect: {
    type: 'number',
    min: 0,
    description: 'one size for all effects (sex, age, diagnosis, phenotype, fingerprint, task); 0 = none'
  },
  task: { type: 'boolean', description: 'task blocks (labels in events.tsv) instead of rest' },
  atlas: {
    type: 'string',
    path: 'file',
    description: 'label atlas NIfTI on the MNI 2 mm grid (default: the embedded atlas)'
  },
  mask: { type: 'string', path: 'file', description: 'MNI 2 mm brain mask NIfTI (default: the embedded mask)' },
  overwrite: { type: 'boolean', description: 'write into a non-empty folder' }
};

/**
 * A run must give one clip after resampling to the model TR, as ns.data.check counts it
 * (round(frames x TR / 0.8 s) >= 20): `--frames 10` would write a cohort every check then fails.
 */
function checkClipLength({ flags }: VerbInput): void {
  const frames = flags.frames as number;
  const tr = flags.tr as number;
  const resampled = Math.round((frames * tr) / TARGET_TR);
  if (resampled < CLIP_FRAMES) {
    const needed = Math.ceil(((CLIP_FRAMES - 0.5) * TARGET_TR) / tr);
    throw new UsageError(
      `--frames ${frames} at --tr ${tr} s is ${resampled} frames at ${TARGET_TR} s, shorter than one ${CLIP_FRAMES}-frame clip`,
      { hint: `give --frames ${needed} or more (ns.data.check fails shorter runs)` }
    );
  }
}

/** Parsed flags (or a magic's merged body) -> synth options; progress and abort are the caller's. */
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
    populationSeed: num('population-seed'),
    effects: e === undefined ? undefined : { sex: e, age: e, diagnosis: e, phenotype: e, fingerprint: e, task: e },
    task: flags.task === true,
    atlas: str('atlas'),
    mask: str('mask'),
    overwrite: flags.overwrite === true
  };
}

export const SYNTH_VERB: Verb<SynthResult> = {
  name: 'synth',
  summary: 'write the synthetic BIDS cohort (MNI 2 mm, known sex/age/diagnosis/phenotype effects)',
  positionals: [],
  flags: SYNTH_FLAGS,
  takesBody: true,
  check: checkClipLength,
  call: async ({ flags }, ctx) => {
    if (flags.atlas !== undefined) await checkAtlasFlag('atlas', String(flags.atlas));
    const result = await synth({ ...synthOptionsFromFlags(flags), signal: ctx.signal, onProgress: ctx.onProgress });
    return { kind: 'synth', ...result };
  }
};
