/**
 * `ns.attributeSubject(RUN, subject)`: attribution of a finished run's prediction for one subject
 * (issue 12, item 8). Loads the checkpoint that predicted the subject (RUN/checkpoints/best, or
 * RUN/checkpoints/fold-<k>/best with k folds), reads every clip samples.json lists for the subject
 * from the run's preprocess caches with the run's input transform (pooling, per-voxel centring;
 * run.json "input"), explains the output the task predicts (binary: the logit; multiclass: the
 * subject's true class unless `output` is given; regression: the value) and writes
 * RUN/attribution/<subject>.nii.gz on the MNI 2 mm grid.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError, UsageError } from '../errors';
import { readCacheHeader, CacheHeader } from '../data/frame-cache';
import { readBatch, Clip } from '../data/sampler';
import { MODEL_EDGE } from '../data/grid';
import { load } from '../models';
import { attribute, Attribution, AttributionOptions } from './attribution';
import { readRunFolder, RunInput } from './run-folder';

export interface SubjectAttribution extends Attribution {
  subject: string;
  checkpoint: string;
  clips: number;
  /** The NIfTI written. */
  file: string;
}

/** Finds the frame cache of each BOLD file in `cacheDir` by the source recorded in its header. */
async function cachesOf(cacheDir: string, bolds: Set<string>): Promise<Map<string, { file: string; header: CacheHeader }>> {
  const found = new Map<string, { file: string; header: CacheHeader }>();
  if (!fs.existsSync(cacheDir)) throw new DatasetError('the run\'s preprocess cache folder is missing', { file: cacheDir, hint: 'run neurostorm preprocess again' });
  for (const name of fs.readdirSync(cacheDir).filter(n => n.endsWith('.nsframes')).sort()) {
    const file = path.join(cacheDir, name);
    const header = await readCacheHeader(file);
    if (bolds.has(header.source.file)) found.set(header.source.file, { file, header });
  }
  return found;
}

/** Attribution maps of one subject of a finished run; see the file comment. */
export async function attributeSubject(run: string, subject: string, options: AttributionOptions = {}): Promise<SubjectAttribution> {
  const folder = readRunFolder(run);
  const runFile = path.join(folder.dir, 'run.json');
  const fold = folder.folds.findIndex(f => f.test.includes(subject) || f.validation.includes(subject));
  if (fold < 0) throw new UsageError(`subject ${subject} is not evaluated (test or validation) in this run`, { file: path.join(folder.dir, 'split.json') });
  const checkpoint = path.join(folder.dir, 'checkpoints', ...(folder.folds.length > 1 ? [`fold-${fold}`] : []), 'best');
  if (!fs.existsSync(checkpoint)) throw new DatasetError('the run has no best checkpoint', { file: checkpoint, hint: 'finish or resume the run' });
  const model = await load(checkpoint);
  const samples = folder.samples.filter(s => s.subject === subject);
  if (samples.length === 0) throw new DatasetError(`samples.json lists no clip of ${subject}`, { file: path.join(folder.dir, 'samples.json') });
  if (!folder.run.cache) throw new DatasetError('run.json names no preprocess cache folder', { file: runFile });
  const caches = await cachesOf(folder.run.cache, new Set(samples.map(s => s.bold)));
  const clips: Clip[] = samples.map(s => {
    const c = caches.get(s.bold);
    if (!c) throw new DatasetError(`no frame cache of ${s.bold} in the run's cache folder`, { file: folder.run.cache as string, hint: 'run neurostorm preprocess again' });
    return { cache: c.file, start: s.start, length: s.frames, subject };
  });
  const raw = JSON.parse(fs.readFileSync(runFile, 'utf8')) as { input?: RunInput };
  const pool = raw.input?.pool ?? MODEL_EDGE / model.config.imgSize[0];
  const batch = await readBatch(clips, pool, new Map([...caches.values()].map(c => [c.file, c.header])), raw.input?.centre ?? false, raw.input?.scale ?? 1);
  const type = folder.run.type;
  if (type === 'reid') throw new UsageError('re-identification outputs are embeddings; attribution explains a class logit or a regression value', { file: runFile });
  const target = samples.find(s => s.target !== null)?.target ?? 0;
  const result = await attribute(model, { data: batch.data, shape: [...batch.shape] }, {
    head: type === 'regression' ? 'reg' : 'cls',
    output: options.output ?? (type === 'multiclass' ? target : 0),
    ...options,
    out: options.out ?? path.join(folder.dir, 'attribution', `${subject}.nii.gz`)
  });
  return { ...result, subject, checkpoint, clips: clips.length, file: options.out ?? path.join(folder.dir, 'attribution', `${subject}.nii.gz`) };
}
