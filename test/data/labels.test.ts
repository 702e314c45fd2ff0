/** Labels from participants.tsv, events.tsv and sessions: missing codes dropped and reported, never guessed. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BidsDataset, BidsRun } from '../../kernel/data/bids';
import { clipState, eventsFileOf, findColumn, frameStates, participantLabels, readEvents, reidSubjects } from '../../kernel/data/labels';

function run(subject: string, session: string | null, participant: Record<string, string | null> | null, file = `/x/${subject}_bold.nii.gz`): BidsRun {
  return { file, subject, session, entities: { sub: subject.slice(4), task: 'rest' }, space: null, sidecarTr: 0.8, sidecars: [], headerTr: 0.8, shape: [2, 2, 2, 40], mask: null, participant };
}

function dataset(rows: Record<string, string | null>[], extra: BidsRun[] = []): BidsDataset {
  const runs = rows.map(r => run(r.participant_id as string, null, r)).concat(extra);
  return { root: '/x', runs, columns: Object.keys(rows[0]), participants: rows, skipped: [], notes: [] };
}

const rows = [
  { participant_id: 'sub-01', Sex: 'M', AGE_AT_SCAN: '23.5', DX_GROUP: '1', score: '12' },
  { participant_id: 'sub-02', Sex: 'F', AGE_AT_SCAN: '-9999', DX_GROUP: '2', score: 'n/a' },
  { participant_id: 'sub-03', Sex: null, AGE_AT_SCAN: '41', DX_GROUP: '2', score: '-999' },
  { participant_id: 'sub-04', Sex: 'F', AGE_AT_SCAN: 'old', DX_GROUP: '1', score: '7' },
  { participant_id: 'sub-05', Sex: 'M', AGE_AT_SCAN: '30', DX_GROUP: '10', score: 'NaN' }
];

test('categorical columns: classes sorted (binary = [negative, positive]), missing values dropped with reasons', () => {
  const ds = dataset(rows, [run('sub-06', null, null)]);
  const sex = participantLabels(ds, 'sex', 'categorical');
  expect(sex.column).toBe('Sex');
  expect(sex.type).toBe('binary');
  expect(sex.classes).toEqual(['F', 'M']);
  expect([...sex.values]).toEqual([['sub-01', 1], ['sub-02', 0], ['sub-04', 0], ['sub-05', 1]]);
  expect(sex.dropped).toEqual([
    { subject: 'sub-03', value: null, reason: 'missing value (n/a)' },
    { subject: 'sub-06', value: null, reason: 'no participants.tsv row' }
  ]);
  const dx = participantLabels(ds, 'diagnosis', 'categorical');
  expect(dx.column).toBe('DX_GROUP');
  expect(dx.type).toBe('multiclass');
  expect(dx.classes).toEqual(['1', '2', '10']); // numeric order, not string order
});

test('continuous columns: -9999, n/a, NaN and non-numbers are dropped and reported', () => {
  const ds = dataset(rows);
  const age = participantLabels(ds, 'age', 'continuous');
  expect(age.column).toBe('AGE_AT_SCAN');
  expect(age.type).toBe('regression');
  expect([...age.values]).toEqual([['sub-01', 23.5], ['sub-03', 41], ['sub-05', 30]]);
  expect(age.dropped.map(d => [d.subject, d.reason])).toEqual([
    ['sub-02', 'missing value ("-9999")'],
    ['sub-04', 'not a number']
  ]);
  const score = participantLabels(ds, 'score', 'continuous');
  expect([...score.values.keys()]).toEqual(['sub-01', 'sub-04']);
  expect(score.dropped.map(d => d.value)).toEqual(['n/a', '-999', 'NaN']);
  expect(() => findColumn(ds, 'handedness')).toThrow(/participants.tsv has no column "handedness".*columns are: Sex, AGE_AT_SCAN, DX_GROUP, score/);
  expect(() => participantLabels(dataset(rows.map(r => ({ ...r, Sex: 'F' }))), 'sex', 'categorical')).toThrow(/has one class \(F\)/);
});

test('task states from events.tsv on the 0.8 s frame grid; clips take the condition that covers them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-events-'));
  const func = path.join(dir, 'sub-01', 'ses-1', 'func');
  fs.mkdirSync(func, { recursive: true });
  const bold = path.join(func, 'sub-01_ses-1_task-blocks_bold.nii.gz');
  fs.writeFileSync(path.join(func, 'sub-01_ses-1_task-blocks_events.tsv'), 'onset\tduration\ttrial_type\n9.60\t9.60\tA\n28.80\t9.60\tB\n');
  fs.writeFileSync(path.join(func, 'sub-01_ses-1_task-other_events.tsv'), 'onset\tduration\ttrial_type\n0\t1\tX\n');
  const r = { ...run('sub-01', 'ses-1', null, bold), entities: { sub: '01', ses: '1', task: 'blocks' } };
  const file = eventsFileOf(dir, r);
  expect(file).toBe(path.join(func, 'sub-01_ses-1_task-blocks_events.tsv'));
  const states = frameStates(readEvents(file as string), 48, 0.8);
  expect(states.slice(10, 14)).toEqual(['rest', 'rest', 'A', 'A']);
  expect(states.slice(22, 26)).toEqual(['A', 'A', 'rest', 'rest']);
  expect(states[36]).toBe('B');
  expect(clipState(states, 12, 20)).toBe('A'); // 12 A, 8 rest
  expect(clipState(states, 0, 20)).toBe('A'); // 12 rest, 8 A: the condition covers >= 25%
  expect(clipState(states, 20, 20)).toBeNull(); // 4 A, 12 rest, 4 B: tie between conditions
  expect(clipState(states, 0, 16)).toBe('A'); // 12 rest, 4 A: exactly 25% covered
  expect(clipState(states, 0, 15)).toBe('rest'); // 3 of 15 frames are A: under 25%
  expect(clipState(['A', 'A', 'B', 'B'], 0, 4)).toBeNull();
});

test('re-identification keeps subjects with two or more sessions', () => {
  const rowsTwo = [{ participant_id: 'sub-01' }, { participant_id: 'sub-02' }, { participant_id: 'sub-03' }];
  const ds = dataset(rowsTwo, [run('sub-01', 'ses-2', rowsTwo[0]), run('sub-02', 'ses-2', rowsTwo[1])]);
  const r = reidSubjects(ds);
  expect(r.subjects).toEqual(['sub-01', 'sub-02']);
  expect(r.dropped).toEqual([{ subject: 'sub-03', value: null, reason: 'one run only: nothing to re-identify' }]);
  expect(() => reidSubjects(dataset(rowsTwo))).toThrow(/0 have them/);
});
