/**
 * `evaluate RUN`: ns.evaluate, the run's held-out predictions averaged per subject (as the official
 * code does), every metric with its 95% subject-bootstrap interval, and the FC baseline beside it
 * on the same splits. `--json` prints exactly the object ns.evaluate returns.
 */
import { evaluate } from '../../eval';
import { EvaluationResult } from '../results';
import { checkAtlasFlag } from '../atlas-flag';
import { Verb } from '../verb';

export const EVALUATE_VERB: Verb<EvaluationResult> = {
  name: 'evaluate',
  summary: 'metrics of a finetune run with 95% intervals, and the FC baseline on the same splits beside them',
  positionals: [{ name: 'RUN', description: 'a finetune run folder', path: 'dir' }],
  flags: {
    baseline: { type: 'boolean', default: true, description: 'fit the FC baseline beside the model (--no-baseline skips it)' },
    atlas: { type: 'string', path: 'file', description: "the baseline's label atlas (default: the embedded atlas)" },
    bootstrap: { type: 'number', integer: true, min: 100, description: 'bootstrap resamples of the intervals (default 1000)' },
    seed: { type: 'number', integer: true, min: 0, description: "bootstrap seed (default: the run's seed)" }
  },
  takesBody: true,
  call: async ({ positionals, flags }, ctx) => {
    if (flags.atlas !== undefined) await checkAtlasFlag('atlas', String(flags.atlas));
    const evaluation = await evaluate(positionals[0], {
      baseline: flags.baseline !== false,
      atlas: flags.atlas as string | undefined,
      bootstrap: {
        ...(flags.bootstrap !== undefined ? { reps: flags.bootstrap as number } : {}),
        ...(flags.seed !== undefined ? { seed: flags.seed as number } : {})
      },
      signal: ctx.signal,
      onProgress: ctx.onProgress
    });
    return { kind: 'evaluation', run: positionals[0], evaluation };
  }
};
