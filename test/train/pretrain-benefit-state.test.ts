/**
 * The task-state path of `npm run bench -- pretrain-benefit` (test/bench/pretrain-benefit.ts): its
 * argument checks fail before any work, and its clip-level scoring reads a run folder as the bench
 * does. The comparison itself is a bench, not a test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UsageError } from '../../kernel/errors';
import { keepFraction } from '../../kernel/train/finetune';
import type { Sample } from '../../kernel/train/samples';
import { benefitMode, main, pairedDifference, runName, stateScore } from '../bench/pretrain-benefit';

describe('pretrain-benefit arguments', () => {
  test('an unknown --task is a UsageError naming state', async () => {
    await expect(main(['--task', 'age'])).rejects.toThrow(UsageError);
    await expect(main(['--task', 'age'])).rejects.toThrow(/state/);
  });
  test('--zero-effects outside --task state and a non-positive --finetune-lr are UsageErrors', async () => {
    await expect(main(['--task', 'sex', '--zero-effects'])).rejects.toThrow(UsageError);
    await expect(main(['--task', 'state', '--finetune-lr', '0'])).rejects.toThrow(UsageError);
  });
  test('--mode is tpt (default), full or probe; anything else is a UsageError before any work; full and probe runs get their own folder names', async () => {
    await expect(main(['--mode', 'linear'])).rejects.toThrow(UsageError);
    await expect(main(['--mode', 'linear'])).rejects.toThrow(/tpt .*full.*probe/);
    expect(benefitMode([])).toBe('tpt');
    expect(benefitMode(['--mode', 'full'])).toBe('full');
    expect(benefitMode(['--mode', 'probe'])).toBe('probe');
    expect([runName('tpt', 'pre', 3), runName('tpt', 'rand', 3), runName('full', 'pre', 3), runName('full', 'rand', 3), runName('probe', 'pre', 3), runName('probe', 'rand', 3)])
      .toEqual(['pre-3', 'rand-3', 'full-pre-3', 'full-rand-3', 'probe-pre-3', 'probe-rand-3']);
  });
});

describe('pretrain-benefit task-state scoring', () => {
  test('per-clip argmax accuracy and macro F1 on the test clips; the labelled subset as finetune keeps it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pb-state-test-'));
    try {
      // 3 classes; test clips: truth 0,0,1,2 / predicted (argmax) 0,1,1,1 -> accuracy 0.5;
      // F1 class 0: 2/3, class 1: 2*1/(2*1+2+0) = 0.5, class 2: 0 -> macro 7/18
      const clip = (subject: string, split: string, target: number, output: number[]) => ({ subject, split, target, output });
      const clips = [
        clip('sub-v', 'validation', 2, [0, 0, 9]),
        clip('sub-a', 'test', 0, [2, 1, 0]),
        clip('sub-a', 'test', 0, [0.1, 3, 0]),
        clip('sub-b', 'test', 1, [0, 1, 0.5]),
        clip('sub-b', 'test', 2, [-1, 0.2, 0.1])
      ];
      fs.writeFileSync(path.join(dir, 'predictions.json'), JSON.stringify({ clips }));
      const train = Array.from({ length: 20 }, (_, i) => `sub-t${String(i).padStart(2, '0')}`);
      fs.writeFileSync(path.join(dir, 'split.json'), JSON.stringify({ folds: [{ train, validation: ['sub-v'], test: ['sub-a', 'sub-b'] }] }));
      // three clips per training subject (states 0, 1, 2), plus clips of subjects outside the training split
      const sample = (subject: string, k: number): Sample => ({ subject, session: 'ses-1', bold: `${subject}.nii.gz`, cache: 'c', start: 20 * k, frames: 20, target: k, label: k });
      const samples = [...train, 'sub-v', 'sub-a', 'sub-b'].flatMap(s => [0, 1, 2].map(k => sample(s, k)));
      const score = stateScore(dir, samples, 0.1, 3);
      expect(score.accuracy).toBeCloseTo(0.5, 12);
      expect(score.macroF1).toBeCloseTo(7 / 18, 12);
      expect([score.testClips, score.testSubjects, score.trainSubjects]).toEqual([4, 2, 20]);
      const kept = keepFraction(samples.filter(s => train.includes(s.subject)), 0.1, 3);
      expect(score.labelledSubjects).toBe(2);
      expect(score.labelledClips).toBe(6);
      expect(new Set(kept.map(s => s.subject)).size).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a binary head (one logit per clip) predicts class 1 where its logit is positive', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pb-state-test-'));
    try {
      // truth 0,1,1,0 / predicted 0,1,0,1 -> accuracy 0.5; F1 0.5 per class
      const clips = [[0, -2], [1, 0.3], [1, -0.1], [0, 1.5]].map(([target, logit], i) => ({ subject: `sub-${i}`, split: 'test', target, output: [logit] }));
      fs.writeFileSync(path.join(dir, 'predictions.json'), JSON.stringify({ clips }));
      fs.writeFileSync(path.join(dir, 'split.json'), JSON.stringify({ folds: [{ train: [], validation: [], test: [] }] }));
      const score = stateScore(dir, [], 1, 1);
      expect(score.accuracy).toBeCloseTo(0.5, 12);
      expect(score.macroF1).toBeCloseTo(0.5, 12);
      expect(score.testSubjects).toBe(4);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('paired difference: mean and standard error of the mean', () => {
    const d = pairedDifference([0.1, 0.2, 0.3]);
    expect(d.mean).toBeCloseTo(0.2, 12);
    expect(d.se).toBeCloseTo(0.1 / Math.sqrt(3), 12);
    expect(pairedDifference([0.4]).se).toBe(Infinity);
  });
});
