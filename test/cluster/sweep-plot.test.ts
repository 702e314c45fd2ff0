/** The notebook plot of a gathered sweep: the headline metric per setting across seeds, the baseline once per seed. */
import { sweepPlot } from '../../kernel/notebook/magic/sweep-views';
import type { SweepRow } from '../../kernel/cluster';

const mv = (value: number) => ({ value, ci: [value - 0.1, value + 0.1] as [number, number] });
function row(seed: string, mode: string, auroc: number, base: number): SweepRow {
  return {
    point: { seed, mode },
    run: `/runs/seed-${seed}_mode-${mode}`,
    task: 'sex',
    metrics: { accuracy: mv(0.5), auroc: mv(auroc) },
    baseline: { name: 'fc-logistic', metrics: { accuracy: mv(0.5), auroc: mv(base) } }
  } as SweepRow;
}

test('groups the headline metric by setting across seeds and shows the baseline once per seed', () => {
  const rows = [row('1', 'tpt', 0.9, 0.7), row('1', 'probe', 0.6, 0.7), row('2', 'tpt', 0.8, 0.65), row('2', 'probe', 0.55, 0.65)];
  const view = sweepPlot(rows);
  expect(view?.payload.plot).toEqual({
    kind: 'distribution',
    variable: 'auroc',
    groups: [
      { name: 'mode-tpt', values: [0.9, 0.8] },
      { name: 'mode-probe', values: [0.6, 0.55] },
      { name: 'fc-logistic', values: [0.7, 0.65] }
    ]
  });
  expect(view?.payload.title).toMatch(/auroc per setting across seeds, fc-logistic beside/);
  expect(sweepPlot([])).toBeNull();
});
