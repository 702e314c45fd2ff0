/**
 * Chance bands from label permutations (issue 12, "must show"): the central 95% of a metric when the
 * run's own outputs are scored against shuffled labels. A model that learned nothing scores inside
 * its band; the band's width shows how much a small test set alone can move the metric.
 * Rows and retrieval come from kernel/eval (the evaluation's own aggregation and metric code).
 */
import * as fs from 'fs';
import * as path from 'path';
import { scoredRows } from '../../kernel/eval/aggregate';
import { retrieve, summarise } from '../../kernel/eval/retrieval';
import { metricValues, ScoredRow, TaskType } from '../../kernel/eval/scores';
import type { PredictionClip } from '../../kernel/eval/run-folder';
import { Random } from '../../kernel/random';

export type Band = [number, number];

const central = (values: number[]): Band => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return [v[Math.floor(0.025 * v.length)], v[Math.ceil(0.975 * v.length) - 1]];
};

/** The test clips of a finished run folder (predictions.json). */
export function testClips(run: string): PredictionClip[] {
  const p = JSON.parse(fs.readFileSync(path.join(run, 'predictions.json'), 'utf8')) as { clips: PredictionClip[] };
  return p.clips.filter(c => c.split === 'test');
}

/** Scored rows of the run's test split, aggregated as `ns.evaluate` does (per subject or per clip). */
export function testRows(run: string, level: 'subject' | 'clip'): ScoredRow[] {
  return scoredRows(testClips(run), level, path.join(run, 'predictions.json'));
}

/** Band of `metric` with the rows' targets shuffled among the rows. */
export function rowsBand(type: TaskType, rows: ScoredRow[], metric: string, reps = 1000, seed = 99): Band {
  const rng = new Random(seed);
  const targets = rows.map(r => r.target);
  return central(
    Array.from({ length: reps }, () => {
      const t = rng.shuffle([...targets]);
      return metricValues(type, rows.map((r, i) => ({ ...r, target: t[i] })))[metric];
    })
  );
}

/**
 * Re-identification band: the subject labels of the clips are shuffled within each session (the
 * query/gallery split and the number of clips per subject stay), then retrieval is rerun.
 */
export function reidBand(clips: PredictionClip[], metric: 'rank1' | 'map', reps = 300, seed = 99): Band {
  const rng = new Random(seed);
  const sessions = [...new Set(clips.map(c => c.session ?? ''))];
  return central(
    Array.from({ length: reps }, () => {
      const subjectOf = new Map<PredictionClip, string>();
      for (const s of sessions) {
        const here = clips.filter(c => (c.session ?? '') === s);
        const shuffled = rng.shuffle(here.map(c => c.subject));
        here.forEach((c, i) => subjectOf.set(c, shuffled[i]));
      }
      const run = retrieve(clips.map(c => ({ subject: subjectOf.get(c) as string, session: c.session, vector: c.output })));
      return summarise(run.queries)[metric];
    })
  );
}
