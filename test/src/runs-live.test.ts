/**
 * The runs panel's model (src/runs): live status from a run's progress display, the curves of its
 * record, and the compare view's rows. The records are built by the kernel's own code from a run
 * folder (kernel/notebook/magic/run-record.ts) and travel as output metadata beside the progress
 * payload the kernel's display sends (kernel/notebook/display/progress.ts), JSON round-tripped as a
 * saved notebook holds them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { progressBundle } from '../../kernel/notebook/display/progress';
import { PAYLOAD_VERSION, type ProgressPayload } from '../../kernel/notebook/display/payload-types';
import { runRecord, RUN_RECORD_KEY } from '../../kernel/notebook/magic/run-record';
import { configRows, metricCompareRows } from '../../src/runs/compare-model';
import { curveSeries, curvesPayload } from '../../src/runs/curve-series';
import { formatLive, runsOfCells } from '../../src/runs/records';

const jsonl = (rows: object[]) => rows.map(r => JSON.stringify(r)).join('\n') + '\n';

/** A run folder as kernel/train writes it: run.json, events.jsonl per step, metrics.jsonl per epoch. */
function writeRun(dir: string, opts: { status: string; mode: string; seed: number; steps: number; epochs: number; evaluated?: boolean }): void {
  fs.mkdirSync(path.join(dir, 'checkpoints', 'last'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: 'neurostorm-run/1', kind: 'finetune', task: 'sex', mode: opts.mode, config: 'cpu', seed: opts.seed, epochs: 2, lr: 0.001, status: opts.status }));
  const events: object[] = [];
  const metrics: object[] = [];
  const perEpoch = opts.steps / 2;
  for (let s = 1; s <= opts.steps; s++) {
    events.push({ label: 'finetune', step: s, totalSteps: opts.steps, epoch: Math.floor((s - 1) / perEpoch), loss: 1 / s, lr: 0.001, time: 't' });
    if (s % perEpoch === 0 && metrics.length < opts.epochs) {
      const e = metrics.length;
      metrics.push({ step: s, epoch: e, train_loss: 0.7 - 0.1 * e, lr: 0.001, valid_auroc: 0.6 + 0.1 * e });
      events.push({ label: 'finetune', step: s, totalSteps: opts.steps, epoch: e, loss: 0.7 - 0.1 * e, metric: { name: 'auroc', value: 0.6 + 0.1 * e }, time: 't' });
    }
  }
  fs.writeFileSync(path.join(dir, 'events.jsonl'), jsonl(events));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), jsonl(metrics));
  if (opts.evaluated)
    fs.writeFileSync(
      path.join(dir, 'evaluation.json'),
      JSON.stringify({ metrics: { auroc: { value: 0.75, ci: [0.5, 0.95] }, accuracy: { value: 0.7, ci: [0.45, 0.9] } }, baseline: { name: 'fc-logistic', metrics: { auroc: { value: 0.6, ci: [0.4, 0.8] } } } })
    );
}

function progress(state: ProgressPayload['state'], step: number, metrics: Record<string, number | null>, epoch: number | null = 0): ProgressPayload {
  return { version: PAYLOAD_VERSION, label: 'finetune', state, step, totalSteps: 8, epoch, totalEpochs: null, elapsedSeconds: 3, etaSeconds: 2, metrics };
}

/** A cell output as the notebook holds it: the progress display with the run's record. */
const progressOutput = (p: ProgressPayload, run: string) => {
  const b = progressBundle(p, { [RUN_RECORD_KEY]: runRecord(run) });
  return JSON.parse(JSON.stringify({ output_type: 'display_data', data: b.data, metadata: b.metadata }));
};
const tableOutput = (run: string) => JSON.parse(JSON.stringify({ output_type: 'display_data', data: { 'text/plain': 'table' }, metadata: { [RUN_RECORD_KEY]: runRecord(run) } }));

let root: string;
beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-runs-live-'))));
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('a training run is live from its progress display, then final from its table', () => {
  const run = path.join(root, 'sex-tpt');
  writeRun(run, { status: 'running', mode: 'tpt', seed: 1, steps: 4, epochs: 0 });
  // Step 3 of 8, no validation yet.
  let rows = runsOfCells([{ outputs: [progressOutput(progress('running', 3, { loss: 0.6931, lr: 0.001 }), run)] }]);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ name: 'sex-tpt', status: 'running', live: { state: 'running', step: 3, totalSteps: 8, epoch: 0, loss: 0.6931, valid: null } });
  expect(formatLive(rows[0].live)).toBe('step 3/8 · epoch 1 · loss 0.693');
  // The same display replaced in place after the first epoch's validation.
  rows = runsOfCells([{ outputs: [progressOutput(progress('running', 4, { loss: 0.5, lr: 0.001, valid_auroc: 0.8125 }), run)] }]);
  expect(formatLive(rows[0].live)).toBe('step 4/8 · epoch 1 · loss 0.500 · valid_auroc 0.813');
  // A failed or interrupted training: the progress state is the status (the record said running).
  expect(runsOfCells([{ outputs: [progressOutput(progress('error', 5, { loss: 0.4 }), run)] }])[0].status).toBe('failed');
  expect(runsOfCells([{ outputs: [progressOutput(progress('interrupted', 5, { loss: 0.4 }), run)] }])[0].status).toBe('interrupted');
  // Done: the table after the progress display carries the final record; the last live state stays.
  writeRun(run, { status: 'done', mode: 'tpt', seed: 1, steps: 8, epochs: 2 });
  rows = runsOfCells([{ outputs: [progressOutput(progress('done', 8, { loss: 0.3, valid_auroc: 0.7 }), run), tableOutput(run)] }]);
  expect(rows[0].status).toBe('done');
  expect(rows[0].live?.step).toBe(8);
  // Outputs of other kinds and progress displays of work that writes no run are not runs.
  const plain = progressBundle(progress('running', 1, {}));
  expect(runsOfCells([{ outputs: [JSON.parse(JSON.stringify({ data: plain.data, metadata: plain.metadata })), { data: { 'text/plain': 'x' } }] }])).toEqual([]);
});

test('the record carries the curves: loss per step, train loss and the validation metric per epoch', () => {
  const run = path.join(root, 'sex-tpt');
  writeRun(run, { status: 'done', mode: 'tpt', seed: 1, steps: 8, epochs: 2 });
  const [row] = runsOfCells([{ outputs: [tableOutput(run)] }]);
  // Epoch-end events (mean loss + metric) are not step points.
  expect(row.curves.steps.map(s => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  expect(row.curves.steps[3]).toEqual({ step: 4, epoch: 0, loss: 0.25 });
  const series = curveSeries(row);
  expect(series.map(s => s.name)).toEqual(['train_loss (step)', 'train_loss (epoch)', 'valid_auroc']);
  expect(series[1]).toEqual({ name: 'train_loss (epoch)', x: [4, 8], y: [0.7, 0.6] });
  expect(series[2].x).toEqual([4, 8]);
  expect(series[2].y[0]).toBeCloseTo(0.6, 12);
  expect(series[2].y[1]).toBeCloseTo(0.7, 12);
  // A long run's record keeps at most 400 step points, the last included.
  const long = path.join(root, 'long');
  writeRun(long, { status: 'done', mode: 'tpt', seed: 1, steps: 1000, epochs: 2 });
  const steps = runRecord(long).curves.steps;
  expect(steps.length).toBeLessThanOrEqual(400);
  expect(steps[0].step).toBe(1);
  expect(steps[steps.length - 1].step).toBe(1000);
});

test('two runs compared: differing config keys, metrics beside each baseline, curves overlaid', () => {
  const a = path.join(root, 'sex-tpt');
  const b = path.join(root, 'sex-probe');
  writeRun(a, { status: 'done', mode: 'tpt', seed: 1, steps: 8, epochs: 2, evaluated: true });
  writeRun(b, { status: 'done', mode: 'probe', seed: 2, steps: 4, epochs: 2 });
  const [ra, rb] = runsOfCells([{ outputs: [tableOutput(a)] }, { outputs: [tableOutput(b)] }]);
  const config = configRows(ra, rb);
  expect(config.filter(r => r.differs).map(r => [r.key, r.a, r.b])).toEqual([
    ['mode', 'tpt', 'probe'],
    ['seed', '1', '2']
  ]);
  expect(config.find(r => r.key === 'config')).toEqual({ key: 'config', a: 'cpu', b: 'cpu', differs: false });
  expect(config.some(r => r.key === 'status' || r.key === 'format')).toBe(false);
  expect(metricCompareRows(ra, rb)).toEqual([
    { metric: 'auroc', a: '0.750 [0.50, 0.95]', aBaseline: '0.600 [0.40, 0.80]', b: '–', bBaseline: '–' },
    { metric: 'accuracy', a: '0.700 [0.45, 0.90]', aBaseline: '–', b: '–', bBaseline: '–' }
  ]);
  const payload = curvesPayload([ra, rb], 'compare');
  expect(payload?.plot.kind).toBe('training');
  const names = payload?.plot.kind === 'training' ? payload.plot.series.map(s => s.name) : [];
  expect(names).toEqual([
    'sex-tpt: train_loss (step)', 'sex-tpt: train_loss (epoch)', 'sex-tpt: valid_auroc',
    'sex-probe: train_loss (step)', 'sex-probe: train_loss (epoch)', 'sex-probe: valid_auroc'
  ]);
  expect(curvesPayload([], 'none')).toBeNull();
});
