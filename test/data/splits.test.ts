/** Subject-level, stratified, seeded splits: no subject in two splits, even with many sessions. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { splits, splitSubjects, splitOf } from '../../kernel/data';
import { assertDisjoint, kFolds, readSplitFile } from '../../kernel/data/splits';

interface FakeRun {
  subject: string;
  session: string;
  participant: Record<string, string | null>;
}

function cohort(subjects: number, sessions: number): FakeRun[] {
  const runs: FakeRun[] = [];
  for (let s = 0; s < subjects; s++) {
    for (let k = 0; k < sessions; k++) {
      runs.push({
        subject: `sub-${s}`,
        session: `ses-${k}`,
        participant: { participant_id: `sub-${s}`, diagnosis: s % 3 === 0 ? '1' : '0' }
      });
    }
  }
  return runs;
}

test('no subject appears in two splits; all sessions of a subject stay together', () => {
  for (const seed of [1, 2, 3]) {
    const runs = cohort(37, 3);
    const s = splits(runs, { seed, stratifyBy: 'diagnosis' });
    const all = [...s.train, ...s.val, ...s.test];
    expect(new Set(all).size).toBe(37);
    expect(all).toHaveLength(37);
    const where = splitOf(s);
    for (const key of ['train', 'val', 'test'] as const) {
      for (const run of s.runs[key]) expect(where.get(run.subject)).toBe(key);
    }
    expect(s.runs.train.length + s.runs.val.length + s.runs.test.length).toBe(111);
  }
});

test('sizes follow the fractions and each split keeps the strata proportions', () => {
  const s = splits(cohort(60, 2), {
    seed: 7,
    stratifyBy: 'diagnosis',
    fractions: { train: 0.6, val: 0.2, test: 0.2 }
  });
  expect([s.train.length, s.val.length, s.test.length]).toEqual([36, 12, 12]);
  const patients = (ids: string[]) => ids.filter(id => Number(id.slice(4)) % 3 === 0).length;
  // 20 of 60 are patients: 12 / 4 / 4.
  expect([patients(s.train), patients(s.val), patients(s.test)]).toEqual([12, 4, 4]);
  // Small strata still fill every split when the cohort allows it.
  const small = splitSubjects(
    new Map([
      ['a', 'x'],
      ['b', 'x'],
      ['c', 'y'],
      ['d', 'y'],
      ['e', 'y']
    ]),
    { seed: 1, fractions: { train: 0.6, val: 0.2, test: 0.2 } }
  );
  expect([small.train.length, small.val.length, small.test.length]).toEqual([3, 1, 1]);
});

test('seeded: the same seed gives the same split, another seed another one', () => {
  const runs = cohort(30, 2);
  expect(splits(runs, { seed: 5 }).test).toEqual(splits(runs, { seed: 5 }).test);
  expect(splits(runs, { seed: 5 }).test).not.toEqual(splits(runs, { seed: 6 }).test);
});

test('bad fractions and inconsistent strata are typed errors', () => {
  expect(() => splits(cohort(4, 1), { seed: 1, fractions: { train: 0.5, val: 0.5, test: 0.5 } })).toThrow(
    /sum to 1/
  );
  const runs = cohort(4, 2);
  runs[1].participant = { ...runs[1].participant, diagnosis: '1' };
  runs[0].participant = { ...runs[0].participant, diagnosis: '0' };
  expect(() => splits(runs, { seed: 1, stratifyBy: 'diagnosis' })).toThrow(/different diagnosis values/);
});

describe('k folds and split files', () => {
  const strata = new Map(Array.from({ length: 23 }, (_, i) => [`sub-${String(i).padStart(2, '0')}`, i % 3 === 0 ? 'patient' : 'control'] as [string, string]));

  it('k folds test every subject exactly once, keep strata, and never overlap within a fold', () => {
    const folds = kFolds(strata, 5, { seed: 4 });
    expect(folds).toHaveLength(5);
    const tested = folds.flatMap(f => f.test).sort();
    expect(tested).toEqual([...strata.keys()].sort());
    for (const f of folds) {
      expect(() => assertDisjoint(f)).not.toThrow();
      expect(f.train.length + f.val.length + f.test.length).toBe(23);
      expect(f.test.length === 4 || f.test.length === 5).toBe(true);
      const patients = f.test.filter(s => strata.get(s) === 'patient').length;
      expect(patients === 1 || patients === 2).toBe(true); // 8 patients over 5 folds
      expect(f.val.length).toBeGreaterThan(0);
    }
    expect(kFolds(strata, 5, { seed: 4 })).toEqual(folds);
    expect(kFolds(strata, 5, { seed: 5 })).not.toEqual(folds);
    expect(() => kFolds(new Map([['sub-1', 'a']]), 2, { seed: 1 })).toThrow(/2 folds need at least 2 subjects/);
  });

  it('reads JSON, run-folder and official text split files, and refuses a subject in two splits', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-split-'));
    const json = path.join(dir, 'split.json');
    fs.writeFileSync(json, JSON.stringify({ train: ['sub-01', '02'], validation: ['sub-03'], test: ['sub-04'] }));
    expect(readSplitFile(json)).toEqual([{ train: ['sub-01', 'sub-02'], val: ['sub-03'], test: ['sub-04'] }]);
    fs.writeFileSync(json, JSON.stringify({ folds: [{ train: ['sub-01'], validation: [], test: ['sub-02'] }, { train: ['sub-02'], validation: [], test: ['sub-01'] }] }));
    expect(readSplitFile(json).map(f => f.test)).toEqual([['sub-02'], ['sub-01']]);
    const txt = path.join(dir, 'split_fixed_4.txt');
    fs.writeFileSync(txt, 'train_subjects\n100206\n100307\nval_subjects\n100408\ntest_subjects\n100610\n');
    expect(readSplitFile(txt)).toEqual([{ train: ['sub-100206', 'sub-100307'], val: ['sub-100408'], test: ['sub-100610'] }]);
    fs.writeFileSync(json, JSON.stringify({ train: ['sub-01', 'sub-02'], val: ['sub-02'], test: [] }));
    expect(() => readSplitFile(json)).toThrow(/subject sub-02 is in both train and val/);
    fs.writeFileSync(txt, '100206\ntrain_subjects\n');
    expect(() => readSplitFile(txt)).toThrow(/comes before any train_subjects/);
  });
});
