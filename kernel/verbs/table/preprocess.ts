/**
 * `preprocess DATASET --out DIR`: ns.data.preprocess, the int8 frame cache of every run under DIR
 * (MNI 2 mm, LAS, 0.8 s TR, brain mask, z-normalised, 96³). Runs that fail are reported and the
 * good ones cached; the verb then exits 1 (data error) naming each failure.
 */
import { preprocess } from '../../data';
import { PreprocessResult } from '../results';
import { Verb } from '../verb';

export const PREPROCESS_VERB: Verb<PreprocessResult> = {
  name: 'preprocess',
  summary: 'preprocess every run of a BIDS dataset into int8 frame caches (what training and evaluation read)',
  positionals: [{ name: 'DATASET', description: 'BIDS dataset folder (raw or fMRIPrep)', path: 'dir' }],
  flags: {
    out: {
      type: 'string',
      path: 'dir',
      metavar: 'DIR',
      description: 'cache folder (default: DATASET/derivatives/neurostorm)'
    },
    force: { type: 'boolean', description: 'rebuild caches that are still valid' },
    'ignore-masks': { type: 'boolean', description: "ignore fMRIPrep brain masks next to the runs (use the template's)" }
  },
  takesBody: true,
  call: async ({ positionals, flags }, ctx) => {
    const report = await preprocess(positionals[0], {
      cacheDir: flags.out as string | undefined,
      force: flags.force === true,
      useMasks: flags.ignoreMasks !== true,
      allowFailures: true,
      signal: ctx.signal,
      onProgress: ctx.onProgress
    });
    return { kind: 'preprocess', dataset: positionals[0], ...report };
  }
};
