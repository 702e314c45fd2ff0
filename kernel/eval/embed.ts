/**
 * `ns.embed(model, dataset, { out })`: one embedding per 20-frame clip and per subject, written as
 * safetensors with a TSV index beside each:
 *   OUT/clips.safetensors     "embeddings" [clips, C]  + OUT/clips.tsv    (row, subject, session, bold, start, frames)
 *   OUT/subjects.safetensors  "embeddings" [subjects, C] + OUT/subjects.tsv (row, subject, clips)
 * A clip's embedding is the backbone output mean-pooled over every token (space and time), the
 * vector the official heads and re-identification start from (spec §4, §5); with `head: 'emb'` the
 * EmbHead's L2-normalised output instead. A subject's embedding is the mean of its clips'.
 * The model's TPT prompts run when it has them.
 */
import * as path from 'path';
import { ShapeError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { openBids } from '../data/bids';
import { preprocess } from '../data/preprocess';
import { clipsOf, readBatch } from '../data/sampler';
import type { CacheHeader } from '../data/frame-cache';
import { MODEL_EDGE } from '../data/grid';
import { load } from '../models';
import type { NeuroStormModel } from '../models/model';
import { writeSafetensors } from '../runtime/safetensors';
import { checkAborted, LongWorkOptions } from '../progress';

export interface EmbedOptions extends LongWorkOptions {
  /** Output folder. */
  out: string;
  /** Preprocessing cache folder (default: the dataset's derivatives/neurostorm). */
  cacheDir?: string;
  /** Clips per forward (default 4). */
  batch?: number;
  /** Frames per clip (default 20). */
  frames?: number;
  /**
   * Remove each voxel's clip mean first, as runs of the CPU configuration were trained (their
   * run.json `input.centre`); default false.
   */
  centre?: boolean;
  /** Input gain after centring, as the run was trained (run.json `input.scale`); default 1. */
  scale?: number;
  /** `pooled` backbone features (default) or the `emb` head's output. */
  head?: 'pooled' | 'emb';
  /** Only these subjects' runs (a Slurm array task's share; kernel/cluster merges the shards). */
  subjects?: readonly string[];
}

export interface EmbedResult {
  dim: number;
  clips: { file: string; index: string; count: number };
  subjects: { file: string; index: string; count: number };
}

/** Mean over the token axes of a channels-first backbone output [B, C, ...] → B rows of C. */
export function poolFeatures(data: Float32Array, shape: readonly number[]): Float32Array[] {
  const [B, C] = shape;
  const per = shape.slice(2).reduce((a, b) => a * b, 1);
  return Array.from({ length: B }, (_, b) => {
    const out = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      let s = 0;
      const base = (b * C + c) * per;
      for (let i = 0; i < per; i++) s += data[base + i];
      out[c] = s / per;
    }
    return out;
  });
}

const tsv = (rows: (string | number | null)[][]) => rows.map(r => r.map(v => (v === null ? 'n/a' : String(v))).join('\t')).join('\n') + '\n';

export async function embed(model: NeuroStormModel | string, dataset: string, options: EmbedOptions): Promise<EmbedResult> {
  const m = typeof model === 'string' ? await load(model) : model;
  const edge = m.config.imgSize[0];
  if (MODEL_EDGE % edge !== 0) throw new ShapeError(`the model's input edge ${edge} is not the 96³ cache pooled by an integer factor`);
  const pool = MODEL_EDGE / edge;
  const frames = options.frames ?? Math.min(20, m.config.imgSize[3]);
  const batchSize = options.batch ?? 4;
  const ds = await openBids(path.resolve(dataset));
  const only = options.subjects;
  const { runs } = await preprocess(only ? { ...ds, runs: ds.runs.filter(r => only.includes(r.subject)) } : ds, { cacheDir: options.cacheDir, signal: options.signal });
  const clips = runs.flatMap(r => clipsOf(r.cache, r.header, r.run.subject, { sequenceLength: frames }).map(c => ({ clip: c, run: r.run })));
  if (clips.length === 0) throw new ShapeError(`no ${frames}-frame clips in the dataset`, { file: ds.root });
  const headers = new Map<string, CacheHeader>();
  const vectors: Float32Array[] = [];
  for (let i = 0; i < clips.length; i += batchSize) {
    checkAborted(options.signal, 'embed');
    const group = clips.slice(i, i + batchSize);
    const padded = [...group];
    while (padded.length < batchSize) padded.push(group[group.length - 1]);
    const batch = await readBatch(padded.map(c => c.clip), pool, headers, options.centre === true, options.scale ?? 1);
    const x = { data: batch.data, shape: batch.shape };
    const prompts = { prompts: m.hasPrompts };
    if (options.head === 'emb') {
      const e = await m.embed(x, prompts);
      const n = e.shape[1];
      for (let b = 0; b < group.length; b++) vectors.push(e.data.slice(b * n, (b + 1) * n));
    } else {
      const y = await m.forward(x, prompts, []);
      vectors.push(...poolFeatures(y.backbone.data, y.backbone.shape).slice(0, group.length));
    }
    options.onProgress?.({ label: 'embed', step: Math.min(i + batchSize, clips.length), totalSteps: clips.length });
  }
  const dim = vectors[0].length;
  const subjects = [...new Set(clips.map(c => c.run.subject))].sort();
  const subjectRows = subjects.map(s => {
    const idx = clips.map((c, k) => (c.run.subject === s ? k : -1)).filter(k => k >= 0);
    const mean = new Float32Array(dim);
    for (const k of idx) for (let d = 0; d < dim; d++) mean[d] += vectors[k][d] / idx.length;
    return { subject: s, clips: idx.length, mean };
  });
  const flat = (rows: Float32Array[]) => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((r, k) => out.set(r, k * dim));
    return out;
  };
  const out = path.resolve(options.out);
  const files = {
    clips: path.join(out, 'clips.safetensors'),
    clipsIndex: path.join(out, 'clips.tsv'),
    subjects: path.join(out, 'subjects.safetensors'),
    subjectsIndex: path.join(out, 'subjects.tsv')
  };
  const meta = { producer: 'neurostorm-lab embed', features: options.head === 'emb' ? 'emb head' : 'pooled backbone', model: m.weights.source };
  await writeSafetensors(files.clips, { embeddings: { dtype: 'F32', shape: [clips.length, dim], data: flat(vectors) } }, meta);
  await writeFileAtomic(files.clipsIndex, tsv([['row', 'subject', 'session', 'bold', 'start', 'frames'], ...clips.map((c, k) => [k, c.run.subject, c.run.session, c.run.file, c.clip.start, c.clip.length])]));
  await writeSafetensors(files.subjects, { embeddings: { dtype: 'F32', shape: [subjects.length, dim], data: flat(subjectRows.map(r => r.mean)) } }, meta);
  await writeFileAtomic(files.subjectsIndex, tsv([['row', 'subject', 'clips'], ...subjectRows.map((r, k) => [k, r.subject, r.clips])]));
  return {
    dim,
    clips: { file: files.clips, index: files.clipsIndex, count: clips.length },
    subjects: { file: files.subjects, index: files.subjectsIndex, count: subjects.length }
  };
}
