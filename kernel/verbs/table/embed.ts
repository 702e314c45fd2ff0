/**
 * `embed MODEL DATASET --out DIR`: ns.embed, per-clip and per-subject embeddings of a dataset as
 * safetensors with a TSV index. MODEL is weights (folder, .ckpt, .pth) or a run folder (its best
 * checkpoint, else its last).
 */
import { embed } from '../../eval/embed';
import { runCheckpoint } from '../../train/starting-model';
import { embedOnSlurm } from '../../cluster';
import { ClusterJobsResult, EmbeddingResult } from '../results';
import { Verb } from '../verb';
import { argvOfFlags, checkSlurmFlags, clusterOptionsFromFlags, SLURM_FLAGS } from './slurm-flags';
import { DEVICE_FLAG, onDeviceFlag } from './device-flag';

export const EMBED_VERB: Verb<EmbeddingResult | ClusterJobsResult> = {
  name: 'embed',
  summary: 'per-clip and per-subject embeddings of a dataset (safetensors + TSV index)',
  positionals: [
    { name: 'MODEL', description: 'weights (folder, .ckpt, .pth) or a run folder', path: 'file' },
    { name: 'DATASET', description: 'BIDS dataset folder', path: 'dir' }
  ],
  flags: {
    out: { type: 'string', required: true, path: 'dir', metavar: 'DIR', description: 'folder for the safetensors and TSV files' },
    head: { type: 'string', choices: ['pooled', 'emb'], description: "pooled backbone features (default) or the emb head's output" },
    frames: { type: 'number', integer: true, min: 1, description: 'frames per clip (default 20)' },
    batch: { type: 'number', integer: true, min: 1, description: 'clips per forward (default 4)' },
    'cache-dir': { type: 'string', path: 'dir', metavar: 'DIR', description: 'preprocessing cache folder (default: DATASET/derivatives/neurostorm)' },
    subjects: { type: 'list', metavar: 'SUBJECT', description: "only these subjects' runs (what each --slurm array task embeds)" },
    ...DEVICE_FLAG,
    ...SLURM_FLAGS
  },
  takesBody: true,
  check: ({ flags }) => checkSlurmFlags(flags),
  call: async ({ positionals, flags }, ctx) => {
    const [model, dataset] = positionals;
    if (flags.slurm === true) {
      const job = await embedOnSlurm(model, dataset, {
        ...clusterOptionsFromFlags(flags, ctx.env, ctx.signal),
        onProgress: ctx.onProgress,
        out: String(flags.out),
        taskFlags: argvOfFlags(EMBED_VERB.flags, flags, ['out', 'subjects'])
      });
      if (job.result) return { kind: 'embedding', model, dataset, out: String(flags.out), ...job.result };
      return { kind: 'cluster-jobs', jobs: [job.status], sweep: null };
    }
    const result = await onDeviceFlag(flags, () => embed(runCheckpoint(model) ?? model, dataset, {
      out: String(flags.out),
      head: flags.head as 'pooled' | 'emb' | undefined,
      frames: flags.frames as number | undefined,
      batch: flags.batch as number | undefined,
      cacheDir: flags.cacheDir as string | undefined,
      subjects: flags.subjects as string[] | undefined,
      signal: ctx.signal,
      onProgress: ctx.onProgress
    }));
    return { kind: 'embedding', model, dataset, out: String(flags.out), ...result };
  }
};
