/**
 * Batches of subject pairs for the subject-contrastive MAE term (ours; kernel/train/README.md,
 * "Subject-contrastive pretraining"): each batch of B clips holds B/2 subjects × 2 different clips,
 * the subjects' first clips in rows 0..B/2-1 and their second clips, in the same subject order, in
 * rows B/2..B-1 (the layout ntXent expects: row i's positive is row i + B/2).
 *
 * An epoch visits every subject with 2 or more clips once, its two clips drawn afresh each epoch.
 * Exact resume: the order of epoch e comes from `Random(seed).fork('pairs-epoch-e')` alone, as the
 * plain loop's `fork('epoch-e')` (no generator state is saved).
 */
import { UsageError } from '../errors';
import { Random } from '../random';
import type { Sample } from './samples';

/** Clips grouped by subject, subjects in first-seen order (deterministic given the sample list). */
function bySubject(samples: readonly Sample[]): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = out.get(s.subject);
    if (list) list.push(s);
    else out.set(s.subject, [s]);
  }
  return out;
}

/** Subjects with at least two clips, and their clips. */
export function pairableSubjects(samples: readonly Sample[]): Map<string, Sample[]> {
  return new Map([...bySubject(samples)].filter(([, clips]) => clips.length >= 2));
}

/**
 * Checks that `samples` can fill at least one batch of `batch` clips with pairs; throws a UsageError
 * naming the dataset and the counts otherwise. Returns the number of steps per epoch.
 */
export function checkPairBatches(samples: readonly Sample[], batch: number, dataset: string): number {
  if (!Number.isSafeInteger(batch) || batch < 4 || batch % 2 !== 0) {
    throw new UsageError(`the contrastive term needs an even batch of 4 or more clips (2 or more subjects × 2 clips), got ${batch}`, { hint: 'pass --batch 4 (or larger, even)' });
  }
  const subjects = bySubject(samples);
  const pairable = pairableSubjects(samples).size;
  if (pairable < batch / 2) {
    throw new UsageError(
      `the contrastive term needs ${batch / 2} training subjects with 2 or more clips each for a batch of ${batch}; ${dataset} has ${pairable} of ${subjects.size} training subjects with 2 or more clips`,
      { hint: 'use longer or more sessions (more 20-frame clips per subject), or a smaller --batch' }
    );
  }
  return Math.floor(pairable / (batch / 2));
}

/** The clip order of epoch `epoch`: steps × batch samples in the pair layout above. */
export function pairEpochOrder(samples: readonly Sample[], seed: number, epoch: number, batch: number): Sample[] {
  const rng = new Random(seed).fork(`pairs-epoch-${epoch}`);
  const subjects = pairableSubjects(samples);
  const ids = rng.shuffle([...subjects.keys()]);
  const half = batch / 2;
  const steps = Math.floor(ids.length / half);
  const order: Sample[] = [];
  for (let s = 0; s < steps; s++) {
    const group = ids.slice(s * half, (s + 1) * half);
    // Each subject's two clips from its own fork, so one subject's draw does not shift another's.
    const pairs = group.map(id => rng.fork(`subject-${id}`).shuffle([...subjects.get(id)!]).slice(0, 2));
    order.push(...pairs.map(p => p[0]), ...pairs.map(p => p[1]));
  }
  return order;
}
