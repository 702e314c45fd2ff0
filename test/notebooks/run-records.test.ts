/**
 * The run record contract between the kernel (kernel/notebook/magic/run-record.ts writes it into
 * output metadata) and the runs panel (src/runs/records.ts reads it): a real run folder's record
 * becomes a panel row with task, mode, status, headline metric beside the baseline, checkpoints and
 * data hash; a later record of the same run (after evaluation) replaces the earlier one.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runRecord, RUN_RECORD_KEY, withRunRecord } from '../../kernel/notebook/magic/run-record';
import { formatMetric, runsOfCells, RUN_RECORD_KEY as PANEL_KEY } from '../../src/runs/records';

function fakeRun(dir: string, evaluated: boolean): void {
  fs.mkdirSync(path.join(dir, 'checkpoints', 'best'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'checkpoints', 'last'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'checkpoints', '.last.tmp-123'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'checkpoints', 'predictions.json'), '{}');
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: 'neurostorm-run/1', kind: 'finetune', task: 'sex', mode: 'tpt', status: 'done', seed: 4 }));
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ data: { content_sha256: 'ab'.repeat(32) }, seeds: { run: 4 } }));
  if (evaluated)
    fs.writeFileSync(
      path.join(dir, 'evaluation.json'),
      JSON.stringify({ task: 'sex', metrics: { accuracy: { value: 0.5, ci: [0.2, 0.8] }, auroc: { value: 0.8125, ci: [0.6, 1] } }, baseline: { name: 'fc-logistic', metrics: { auroc: { value: 0.75, ci: [0.5, 0.95] } } } })
    );
}

test('a run folder record read by the panel: before and after evaluation', () => {
  expect(PANEL_KEY).toBe(RUN_RECORD_KEY);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-record-'));
  const run = path.join(root, 'sex-tpt');
  fakeRun(run, false);
  const before = withRunRecord({ data: { 'text/plain': 'finetune table' }, metadata: {} }, run);
  expect(before.data).toEqual({ 'text/plain': 'finetune table' });
  const record = runRecord(run);
  expect(record).toMatchObject({ run, kind: 'finetune', task: 'sex', mode: 'tpt', status: 'done', seed: 4, evaluation: null, checkpoints: ['best', 'last'] });

  const other = path.join(root, 'age-tpt');
  fakeRun(other, false);
  let rows = runsOfCells([{ outputs: [{ metadata: before.metadata }] }, { outputs: [{ metadata: withRunRecord({ data: {}, metadata: {} }, other).metadata }] }]);
  expect(rows.map(r => [r.name, r.task, r.mode, r.status, r.metric])).toEqual([
    ['sex-tpt', 'sex', 'tpt', 'done', null],
    ['age-tpt', 'sex', 'tpt', 'done', null]
  ]);

  fakeRun(run, true);
  const after = withRunRecord({ data: {}, metadata: { other: 1 } }, run);
  expect(after.metadata.other).toBe(1);
  rows = runsOfCells([{ outputs: [{ metadata: before.metadata }] }, { outputs: [{}, { metadata: after.metadata }] }]);
  expect(rows).toHaveLength(1);
  expect(rows[0].metric).toEqual({ name: 'auroc', model: { value: 0.8125, ci: [0.6, 1] }, baseline: { value: 0.75, ci: [0.5, 0.95] }, baselineName: 'fc-logistic' });
  expect(rows[0].checkpoints).toEqual(['best', 'last']);
  expect(rows[0].dataHash).toBe('ab'.repeat(32));
  expect(formatMetric(rows[0].metric?.model ?? null)).toBe('0.813 [0.60, 1.00]');
  expect(formatMetric(null)).toBe('–');
  // JSON round trip (what a saved notebook holds) keeps the record.
  expect(runsOfCells(JSON.parse(JSON.stringify([{ outputs: [{ metadata: after.metadata }] }])))[0].metric?.name).toBe('auroc');
});
