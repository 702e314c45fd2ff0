/**
 * `neurostorm embed MODEL DATASET --out DIR --slurm`: one array task per subject, each
 * `neurostorm embed MODEL DATASET --subjects S --out DIR/slurm/shards/<k>`, then the shards are
 * merged in subject order into DIR/clips.safetensors, clips.tsv, subjects.safetensors and
 * subjects.tsv, the files and row order a local embed writes. A subject is never split across
 * shards, so its mean over clips is the one a local run computes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { openBids } from '../data';
import type { EmbedResult } from '../eval/embed';
import { DatasetError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { readSafetensors, toFloat32, writeSafetensors } from '../runtime/safetensors';
import { ArrayRun, ClusterRunOptions, runArrayJob } from './array';
import { requireAllDone } from './job';

export interface EmbedJobOptions extends ClusterRunOptions {
  out: string;
  /** The embed verb's own flags for each task (--head, --frames, --batch, --cache-dir). */
  taskFlags: string[];
}

export interface EmbedJob extends ArrayRun {
  /** With `wait` and every task done: the merged files. */
  result: EmbedResult | null;
}

function shardDir(out: string, k: number): string {
  return path.join(out, 'slurm', 'shards', String(k));
}

export async function embedOnSlurm(model: string, dataset: string, options: EmbedJobOptions): Promise<EmbedJob> {
  const ds = await openBids(dataset);
  const out = path.resolve(options.out);
  const subjects = [...new Set(ds.runs.map(r => r.subject))].sort();
  const tasks = subjects.map((subject, k) => ({
    label: subject,
    argv: ['embed', path.resolve(model), ds.root, '--out', shardDir(out, k), '--subjects', subject, ...options.taskFlags]
  }));
  const job = await runArrayJob(out, 'embed', tasks, options);
  if (!options.wait) return { ...job, result: null };
  requireAllDone(job.status);
  return { ...job, result: await mergeEmbeddingShards(out, subjects.length) };
}

/** Rows of a shard's TSV index (without its header line), and the header. */
function tsvRows(file: string): { header: string; rows: string[][] } {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');
  return { header, rows: lines.map(l => l.split('\t')) };
}

/** Concatenates shards 0..count-1 into OUT's four files, renumbering the rows. */
export async function mergeEmbeddingShards(out: string, count: number): Promise<EmbedResult> {
  let dim = 0;
  const files: Partial<EmbedResult> = {};
  for (const part of ['clips', 'subjects'] as const) {
    const vectors: Float32Array[] = [];
    const lines: string[] = [];
    let header = '';
    let metadata: Record<string, string> = {};
    for (let k = 0; k < count; k++) {
      const shardFile = path.join(shardDir(out, k), `${part}.safetensors`);
      const st = await readSafetensors(shardFile);
      const tensor = st.tensors.get('embeddings');
      if (!tensor) throw new DatasetError('this embedding shard has no "embeddings" tensor', { file: shardFile, hint: 'rerun the command: the shard is rebuilt' });
      dim = tensor.shape[1];
      metadata = st.metadata;
      vectors.push(toFloat32(tensor, `${part} of shard ${k}`));
      const index = tsvRows(path.join(shardDir(out, k), `${part}.tsv`));
      header = index.header;
      for (const row of index.rows) lines.push([String(lines.length), ...row.slice(1)].join('\t'));
    }
    const data = new Float32Array(vectors.reduce((n, v) => n + v.length, 0));
    let at = 0;
    for (const v of vectors) {
      data.set(v, at);
      at += v.length;
    }
    const file = path.join(out, `${part}.safetensors`);
    const index = path.join(out, `${part}.tsv`);
    await writeSafetensors(file, { embeddings: { dtype: 'F32', shape: [lines.length, dim], data } }, metadata);
    await writeFileAtomic(index, [header, ...lines].join('\n') + '\n');
    files[part] = { file, index, count: lines.length };
  }
  return { dim, clips: files.clips as EmbedResult['clips'], subjects: files.subjects as EmbedResult['subjects'] };
}
