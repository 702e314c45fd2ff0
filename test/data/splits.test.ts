/** Subject-level, stratified, seeded splits: no subject in two splits, even with many sessions. */
import { splits, splitSubjects, splitOf } from '../../kernel/data';

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
