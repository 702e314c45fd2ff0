/** `check DATASET`: ns.data.check, the validator table (pass/warn/fail per run and check). */
import { check } from '../../data';
import { CheckResult } from '../results';
import { Verb } from '../verb';

export const CHECK_VERB: Verb<CheckResult> = {
  name: 'check',
  summary: 'validate a BIDS dataset against what NeuroSTORM expects (pass/warn/fail per run)',
  positionals: [{ name: 'DATASET', description: 'BIDS dataset folder (raw or fMRIPrep)', path: 'dir' }],
  flags: {
    mask: { type: 'string', path: 'file', description: 'MNI brain mask for the coverage check' }
  },
  takesBody: true,
  call: async ({ positionals, flags }, ctx) => {
    const report = await check(positionals[0], {
      mask: flags.mask as string | undefined,
      signal: ctx.signal,
      onProgress: ctx.onProgress
    });
    return { kind: 'check', dataset: positionals[0], report };
  }
};
