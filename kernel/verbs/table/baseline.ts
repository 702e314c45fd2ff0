/**
 * `baseline RUN`: ns.baseline alone, the FC baseline of a run (atlas ROI series -> Fisher-z
 * connectivity -> logistic or ridge regression with nested CV of its regularisation) on the run's
 * own splits, with the same metrics and intervals as `evaluate`.
 */
import { baseline } from '../../eval';
import { BaselineRunResult } from '../results';
import { checkAtlasFlag } from '../atlas-flag';
import { Verb } from '../verb';

export const BASELINE_VERB: Verb<BaselineRunResult> = {
  name: 'baseline',
  summary: "the FC baseline (atlas connectivity + regularised linear model) on a run's splits",
  positionals: [{ name: 'RUN', description: 'a finetune run folder', path: 'dir' }],
  flags: {
    atlas: { type: 'string', path: 'file', description: 'label atlas (default: the embedded atlas)' },
    split: { type: 'string', choices: ['validation', 'test'], description: 'the split scored (default: test when the run has one)' },
    bootstrap: { type: 'number', integer: true, min: 100, description: 'bootstrap resamples of the intervals (default 1000)' }
  },
  takesBody: true,
  call: async ({ positionals, flags }, ctx) => {
    if (flags.atlas !== undefined) await checkAtlasFlag('atlas', String(flags.atlas));
    const result = await baseline(positionals[0], {
      atlas: flags.atlas as string | undefined,
      split: flags.split as 'validation' | 'test' | undefined,
      bootstrap: flags.bootstrap !== undefined ? { reps: flags.bootstrap as number } : undefined,
      signal: ctx.signal,
      onProgress: ctx.onProgress
    });
    return { kind: 'baseline', run: positionals[0], result };
  }
};
