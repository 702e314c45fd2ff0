/**
 * Issue 12 "must show", clip-level and retrieval tasks: TPT from a briefly pretrained CPU-configuration
 * model, scored by `ns.evaluate` on held-out subjects (learn-run.ts) with the FC baseline beside it:
 * task-state accuracy >= 0.9 and re-identification Rank-1 >= 5x chance (query/gallery across
 * sessions). On the zero-effect twin (no task activity, no fingerprint) each stays inside its
 * permutation chance band (chance.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { PredictionClip } from '../../kernel/eval/run-folder';
import { reidBand, rowsBand, testClips, testRows } from './chance';
import { learnCohorts, learnRun, metric } from './learn-run';

jest.setTimeout(3_600_000);

/** Task state trains 4 epochs at the default recipe's rate (2 epochs at 1e-3: accuracy 0.875). */
const STATE_RECIPE = { epochs: 4, lr: 5e-3 };

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-learn-tasks-'));
});

/** Expected Rank-1 of a random ranking in the query/gallery protocol: relevant share of each query's gallery. */
function rank1Chance(clips: PredictionClip[]): number {
  const session = [...new Set(clips.map(c => c.session ?? ''))].sort()[0];
  const gallery = clips.filter(c => (c.session ?? '') !== session);
  const queries = clips.filter(c => (c.session ?? '') === session);
  return queries.reduce((s, q) => s + gallery.filter(g => g.subject === q.subject).length / gallery.length, 0) / queries.length;
}

describe('task state (clip level, events.tsv)', () => {
  test('held-out accuracy >= 0.9, FC baseline beside it', async () => {
    const { data, from } = await learnCohorts('tasks');
    const { e, seconds } = await learnRun(data, from, 'state', path.join(work, 'state-effect'), 0.4, STATE_RECIPE);
    expect(e.level).toBe('clip');
    console.log(`state: model accuracy ${metric(e, 'accuracy').toFixed(3)} (macro F1 ${metric(e, 'macro_f1').toFixed(3)}) on ${e.units} clips of ${e.subjects.test} subjects, FC baseline ${metric(e, 'accuracy', true).toFixed(3)}, ${seconds.toFixed(0)} s`);
    expect(metric(e, 'accuracy')).toBeGreaterThanOrEqual(0.9);
  });

  test('with every effect 0 accuracy stays inside its permutation chance band', async () => {
    const { zero, from } = await learnCohorts('tasks');
    const { dir, e, seconds } = await learnRun(zero, from, 'state', path.join(work, 'state-zero'), 0.4, STATE_RECIPE);
    const [lo, hi] = rowsBand('binary', testRows(dir, 'clip'), 'accuracy');
    console.log(`state zero effect: model accuracy ${metric(e, 'accuracy').toFixed(3)} in [${lo.toFixed(3)}, ${hi.toFixed(3)}], FC baseline ${metric(e, 'accuracy', true).toFixed(3)}, ${seconds.toFixed(0)} s`);
    expect(hi).toBeLessThan(0.9);
    expect(metric(e, 'accuracy')).toBeGreaterThanOrEqual(lo);
    expect(metric(e, 'accuracy')).toBeLessThanOrEqual(hi);
  });
});

describe('re-identification (query/gallery across sessions)', () => {
  // The target, 5x chance. TPT's prompts barely move the pooled features (README), so the
  // raw features gave 3.7x (0.41, chance 0.11, 9 test subjects); the finetune's within-subject
  // whitening on the training clips (kernel/train/reid-whitening.ts) brings it to 0.63 here, and to
  // 5.7x on average over 200 random subject splits of the same features. FC fingerprint baseline: 0.85.
  test('held-out Rank-1 >= 5x chance, FC fingerprint baseline beside it', async () => {
    const { data, from } = await learnCohorts('tasks');
    const { dir, e, seconds } = await learnRun(data, from, 'reid', path.join(work, 'reid-effect'), 0.6);
    expect(e.protocol).toBe('query-gallery');
    const chance = rank1Chance(testClips(dir));
    console.log(`reid: model rank1 ${metric(e, 'rank1').toFixed(3)} (chance ${chance.toFixed(3)}, mAP ${metric(e, 'map').toFixed(3)}) over ${e.subjects.test} subjects, FC baseline rank1 ${metric(e, 'rank1', true).toFixed(3)}, ${seconds.toFixed(0)} s`);
    expect(metric(e, 'rank1')).toBeGreaterThanOrEqual(5 * chance);
  });

  test('with every effect 0 Rank-1 stays inside its permutation chance band', async () => {
    const { zero, from } = await learnCohorts('tasks');
    const { dir, e, seconds } = await learnRun(zero, from, 'reid', path.join(work, 'reid-zero'), 0.6);
    const clips = testClips(dir);
    const [lo, hi] = reidBand(clips, 'rank1');
    console.log(`reid zero effect: model rank1 ${metric(e, 'rank1').toFixed(3)} in [${lo.toFixed(3)}, ${hi.toFixed(3)}] (chance ${rank1Chance(clips).toFixed(3)}), FC baseline ${metric(e, 'rank1', true).toFixed(3)}, ${seconds.toFixed(0)} s`);
    expect(hi).toBeLessThan(3 * rank1Chance(clips));
    expect(metric(e, 'rank1')).toBeGreaterThanOrEqual(lo);
    expect(metric(e, 'rank1')).toBeLessThanOrEqual(hi);
  });
});
