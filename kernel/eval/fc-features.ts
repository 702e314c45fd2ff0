/**
 * Functional-connectivity features for the baseline: ROI mean time series of a BOLD run through an
 * atlas (kernel/data), cached per (run content, atlas content) so evaluating many runs of one
 * dataset reads each BOLD file once; then Fisher-z FC over a whole run or over a clip's window.
 *
 * Cache: `<dir>/roi-<sha256 key>.json`, written atomically; the key hashes the BOLD file's bytes,
 * the atlas file's bytes and the cache version, so a changed file never reuses stale series.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError, ShapeError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { read } from '../nifti/read';
import { labelMapOnGrid } from '../data/atlas';
import { connectivityFeatures, correlationMatrix, roiTimeSeries } from '../data/connectivity';
import { gridOf } from '../data/grid';
import { fileSha256 } from '../io/hash';
import { TARGET_TR } from '../data/preprocess';

const CACHE_VERSION = 1;

export interface RoiSeries {
  /** Atlas label of each region (row). */
  labels: number[];
  /** Seconds per frame of the BOLD run (null when the header has none). */
  tr: number | null;
  /** series[r][t]. */
  series: number[][];
}

const shaMemo = new Map<string, { stamp: string; sha: Promise<string> }>();

/** File SHA-256, memoised per process while the file's size and mtime are unchanged. */
function contentHash(file: string): Promise<string> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new DatasetError('BOLD or atlas file not found', { file, cause: err });
  }
  const stamp = `${stat.size}:${stat.mtimeMs}`;
  const hit = shaMemo.get(file);
  if (hit && hit.stamp === stamp) return hit.sha;
  const sha = fileSha256(file);
  shaMemo.set(file, { stamp, sha });
  return sha;
}

/** ROI series of `bold` through `atlas`, from the cache when present. */
export async function roiSeriesOf(bold: string, atlas: string, cacheDir: string | null): Promise<RoiSeries> {
  const key = createHash('sha256')
    .update(JSON.stringify({ v: CACHE_VERSION, bold: await contentHash(bold), atlas: await contentHash(atlas) }))
    .digest('hex');
  const file = cacheDir ? path.join(cacheDir, `roi-${key}.json`) : null;
  if (file && fs.existsSync(file)) {
    try {
      const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as RoiSeries;
      if (Array.isArray(cached.labels) && Array.isArray(cached.series)) return cached;
    } catch {
      // A damaged cache entry is recomputed and replaced below.
    }
  }
  const run = await read(bold);
  if (run.shape.length !== 4) throw new DatasetError(`the FC baseline needs a 4D BOLD run; this one is ${run.shape.join('x')}`, { file: bold });
  const map = labelMapOnGrid(await read(atlas), gridOf(run));
  if (map.labels.length < 2) throw new DatasetError('fewer than two atlas regions overlap this run', { file: bold, hint: 'is the atlas in the same (MNI) space as the run?' });
  const roi = roiTimeSeries(run, map);
  const out: RoiSeries = { labels: roi.labels, tr: run.tr, series: roi.series.map(s => Array.from(s)) };
  if (file) await writeFileAtomic(file, JSON.stringify(out));
  return out;
}

/**
 * Raw frame range of a clip given in the preprocessed 0.8 s frame index (spec 6.1 resamples to TR
 * 0.8 s): frames [round(start * 0.8 / TR), round((start + frames) * 0.8 / TR)), clamped to the run.
 */
export function rawWindow(series: RoiSeries, start: number, frames: number, file: string): [number, number] {
  const total = series.series[0]?.length ?? 0;
  const tr = series.tr;
  if (tr === null || !(tr > 0)) throw new DatasetError('the BOLD header has no TR, so the clip window cannot be located', { file });
  const a = Math.max(0, Math.min(total, Math.round((start * TARGET_TR) / tr)));
  const b = Math.max(a, Math.min(total, Math.round(((start + frames) * TARGET_TR) / tr)));
  if (b - a < 3) throw new DatasetError(`the clip at frame ${start} covers ${b - a} BOLD frames; FC needs 3 or more`, { file });
  return [a, b];
}

/** Fisher-z FC upper triangle of the regions `labels` (a subset present in `series`) over frames [a, b). */
export function fcVector(series: RoiSeries, labels: readonly number[], window?: [number, number]): Float64Array {
  const rowOf = new Map(series.labels.map((l, i) => [l, i]));
  const rows = labels.map(l => {
    const r = rowOf.get(l);
    if (r === undefined) throw new ShapeError(`region ${l} is missing from this run's ROI series`);
    const s = series.series[r];
    return window ? s.slice(window[0], window[1]) : s;
  });
  return connectivityFeatures(correlationMatrix(rows), labels.length);
}

/** Labels present in every series (runs on different grids may miss a small region). */
export function commonLabels(all: RoiSeries[]): number[] {
  if (all.length === 0) return [];
  const counts = new Map<number, number>();
  for (const s of all) for (const l of s.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()].filter(([, c]) => c === all.length).map(([l]) => l).sort((a, b) => a - b);
}
