/**
 * Issue 12 "must show", subject-level tasks: TPT from a briefly pretrained CPU-configuration model,
 * scored by `ns.evaluate` on held-out subjects of the synthetic cohort (learn-run.ts), with the FC
 * baseline beside it: diagnosis AUROC >= 0.85 and age Pearson r >= 0.8. On the zero-effect twin
 * each metric stays inside its chance band (label permutations of the run's own test outputs,
 * chance.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { metricValues } from '../../kernel/eval/scores';
import { rowsBand, testRows } from './chance';
import { learnCohorts, learnRun, metric } from './learn-run';

jest.setTimeout(3_600_000);

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-learn-subject-'));
});

const cases = [
  { task: 'diagnosis', type: 'binary' as const, name: 'auroc', target: 0.85 },
  { task: 'age', type: 'regression' as const, name: 'pearson_r', target: 0.8 }
];

describe.each(cases)('$task', ({ task, type, name, target }) => {
  test(`held-out ${name} >= ${target}, FC baseline beside it`, async () => {
    const { data, from } = await learnCohorts('subject');
    const { dir, e, seconds } = await learnRun(data, from, task, path.join(work, `${task}-effect`));
    expect(e.baseline).not.toBeNull();
    // evaluate scores what the run predicted: the same value from the aggregated test rows
    expect(metric(e, name)).toBeCloseTo(metricValues(type, testRows(dir, 'subject'))[name], 12);
    console.log(`${task}: model ${name} ${metric(e, name).toFixed(3)} on ${e.subjects.test} test subjects, FC baseline ${metric(e, name, true).toFixed(3)} (${e.baseline?.name}), ${seconds.toFixed(0)} s`);
    expect(metric(e, name)).toBeGreaterThanOrEqual(target);
  });

  test(`with every effect 0, ${name} stays inside its permutation chance band`, async () => {
    const { zero, from } = await learnCohorts('subject');
    const { dir, e, seconds } = await learnRun(zero, from, task, path.join(work, `${task}-zero`));
    const [lo, hi] = rowsBand(type, testRows(dir, 'subject'), name);
    console.log(`${task} zero effect: model ${name} ${metric(e, name).toFixed(3)} in [${lo.toFixed(3)}, ${hi.toFixed(3)}], FC baseline ${metric(e, name, true).toFixed(3)}, ${seconds.toFixed(0)} s`);
    expect(lo).toBeLessThan(target);
    expect(metric(e, name)).toBeGreaterThanOrEqual(lo);
    expect(metric(e, name)).toBeLessThanOrEqual(hi);
  });
});
