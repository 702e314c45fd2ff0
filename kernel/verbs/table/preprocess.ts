/**
 * `preprocess DATASET --out DIR`: ns.data.preprocess, the int8 frame cache of every run under DIR
 * (MNI 2 mm, LAS, 0.8 s TR, brain mask, z-normalised, 96³). Runs that fail are reported and the
 * good ones cached; the verb then exits 1 (data error) naming each failure.
 */
import { openBids, preprocess } from '../../data';
import { parseShard, preprocessOnSlurm, shardOf } from '../../cluster';
import { ClusterJobsResult, PreprocessResult } from '../results';
import { Verb } from '../verb';
import { checkSlurmFlags, clusterOptionsFromFlags, SLURM_FLAGS } from './slurm-flags';

export const PREPROCESS_VERB: Verb<PreprocessResult | ClusterJobsResult> = {
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
    'ignore-masks': { type: 'boolean', description: "ignore fMRIPrep brain masks next to the runs (use the template's)" },
    shard: { type: 'string', metavar: 'K/N', pattern: { regex: /^\d+\/\d+$/, describe: 'K/N' }, description: 'only runs i with i mod N = K (what each --slurm array task runs)' },
    ...SLURM_FLAGS
  },
  takesBody: true,
  check: ({ flags }) => checkSlurmFlags(flags),
  call: async ({ positionals, flags }, ctx) => {
    if (flags.slurm === true) {
      const job = await preprocessOnSlurm(positionals[0], {
        ...clusterOptionsFromFlags(flags, ctx.env, ctx.signal),
        onProgress: ctx.onProgress,
        cacheDir: flags.out as string | undefined,
        force: flags.force === true,
        useMasks: flags.ignoreMasks !== true
      });
      if (job.report) return { kind: 'preprocess', dataset: positionals[0], ...job.report };
      return { kind: 'cluster-jobs', jobs: [job.status], sweep: null };
    }
    const ds = await openBids(positionals[0]);
    const report = await preprocess(flags.shard ? shardOf(ds, parseShard(String(flags.shard))) : ds, {
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
