/**
 * From clip outputs to scored rows, as the official evaluation (spec §5): for subject-level tasks
 * the RAW outputs (logits per class, or the regression prediction) of all of a subject's clips are
 * averaged, and the decision/probability is taken on that mean; clip-level tasks (task state)
 * score every clip. With k folds each subject's clips come from the one fold that tested it, so
 * pooling the folds' rows gives out-of-fold predictions for the whole cohort.
 */
import { DatasetError } from '../errors';
import type { Level } from './run-folder';
import type { ScoredRow } from './scores';

export interface ClipOutput {
  subject: string;
  session: string | null;
  target: number | null;
  output: number[];
}

/** Rows for scoring: per subject (mean raw output) or per clip. `file` names the source in errors. */
export function scoredRows(clips: ClipOutput[], level: Level, file: string): ScoredRow[] {
  const rowOf = (c: ClipOutput): ScoredRow => {
    if (c.target === null) throw new DatasetError(`labels missing for subject ${c.subject}`, { file });
    return { subject: c.subject, session: c.session, target: c.target, output: [...c.output] };
  };
  if (level === 'clip') return clips.map(rowOf);
  const bySubject = new Map<string, ClipOutput[]>();
  for (const c of clips) {
    const list = bySubject.get(c.subject);
    if (list) list.push(c);
    else bySubject.set(c.subject, [c]);
  }
  return [...bySubject.entries()].map(([subject, list]) => {
    const first = rowOf(list[0]);
    const sum = new Array<number>(first.output.length).fill(0);
    for (const c of list) {
      if (c.target !== first.target)
        throw new DatasetError(`subject ${subject} has clips with different targets (${first.target} and ${c.target}) in a subject-level task`, { file });
      c.output.forEach((v, k) => (sum[k] += v));
    }
    return { subject, session: null, target: first.target, output: sum.map(v => v / list.length) };
  });
}
