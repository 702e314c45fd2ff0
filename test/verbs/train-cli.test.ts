/**
 * The training verbs end to end through the CLI front end (runCli, as `neurostorm ...` runs it) on
 * a small synthetic cohort: preprocess -> pretrain -> finetune from the pretrained run, with the
 * issue-12 contract (flags, run folders, --json, exit codes 2 for usage and 1 for data errors).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../kernel/cli/main';
import { cohort, listFiles } from '../train/cohort';
import { runMagic } from '../../kernel/notebook/magic';
import { setDisplaySink } from '../../kernel/notebook/display/display';
import { PLOT_MIME, PlotPayload, PROGRESS_MIME, ProgressPayload, VOLUME_MIME, VolumePayload } from '../../kernel/notebook/display/payload-types';
import { read } from '../../kernel/nifti';
import type { MimeBundle } from '../../kernel/verbs/jupyter/wire';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: process.env }, out, err };
}

let data: string;
let work: string;
beforeAll(async () => {
  data = await cohort('verbs', { subjects: 10, sessions: 1, frames: 40, seed: 5 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-train-cli-'));
}, 300_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('preprocess DATASET --out DIR writes the int8 frame cache of every run', async () => {
  const c = capture();
  const caches = path.join(work, 'caches');
  expect(await runCli(['preprocess', data, '--out', caches], c.io)).toBe(0);
  expect(c.out.join('\n')).toMatch(new RegExp(`preprocessed 10 runs of .* into ${caches} \\(0 reused\\)`));
  expect(fs.readdirSync(caches).filter(f => f.endsWith('.nsframes'))).toHaveLength(10);
  const again = capture();
  expect(await runCli(['preprocess', data, '--out', caches, '--json'], again.io)).toBe(0);
  const report = JSON.parse(again.out.join(''));
  expect(report.runs).toHaveLength(10);
  expect(report.runs.every((r: { reused: boolean }) => r.reused)).toBe(true);
  expect(report.failures).toEqual([]);
}, 600_000);

test('pretrain, then finetune from the pretrained run; bad input is refused with the right exit code', async () => {
  const caches = path.join(work, 'caches');
  const pre = path.join(work, 'mae');
  const p = capture();
  const pcode = await runCli(
    ['pretrain', '--data', data, '--config', 'cpu', '--out', pre, '--seed', '1', '--epochs', '1', '--batch', '2', '--cache-dir', caches],
    p.io
  );
  expect(p.err.join('\n')).not.toMatch(/error/i);
  expect(pcode).toBe(0);
  expect(p.out.join('\n')).toMatch(/^pretrained .*mae: masked loss on held-out clips \d/);
  expect(fs.existsSync(path.join(pre, 'run.json'))).toBe(true);
  // Progress lines on stderr came from the training loop's events (not a TTY: one line per event).
  expect(p.err.some(l => /^pretrain \d+\/\d+/.test(l))).toBe(true);

  const ft = path.join(work, 'sex');
  const args = ['finetune', '--data', data, '--task', 'sex', '--mode', 'tpt', '--config', 'cpu', '--out', ft, '--from', pre];
  const f = capture();
  const code = await runCli([...args, '--seed', '2', '--folds', '2', '--epochs', '2', '--batch', '2', '--cache-dir', caches, '--device', 'cpu', '--json'], f.io);
  expect(f.err.filter(l => !/^finetune .*\d+\/\d+/.test(l))).toEqual([]);
  expect(code).toBe(0);
  const result = JSON.parse(f.out.join(''));
  expect(result).toMatchObject({ task: 'sex', type: 'binary', status: 'done' });
  expect(result.trainable.fraction).toBeGreaterThan(0);
  expect(result.trainable.fraction).toBeLessThan(1);
  expect(result.validation).toHaveLength(2);
  expect(result.metrics.length).toBeGreaterThan(0);
  const run = JSON.parse(fs.readFileSync(path.join(ft, 'run.json'), 'utf8'));
  expect(run).toMatchObject({ kind: 'finetune', task: 'sex', mode: 'tpt', config: 'cpu', status: 'done' });
  // --device: the result and the manifest say what was asked and what ran.
  expect(result.device).toEqual({ requested: 'cpu', source: 'scope', provider: 'cpu', ran: ['cpu'] });
  const manifest = JSON.parse(fs.readFileSync(path.join(ft, 'manifest.json'), 'utf8'));
  expect(manifest.provider).toBe('cpu');
  expect(manifest.device).toEqual({ requested: 'cpu', source: 'scope', ran: ['cpu'] });

  // Usage errors: exit 2 before anything is written.
  const usage: [string[], RegExp][] = [
    [['finetune', '--data', data, '--task', 'handedness', '--out', path.join(work, 'u1')], /--task must be one of sex, age, diagnosis, state, reid, phenotype:COLUMN, got "handedness"/],
    [['finetune', '--data', data, '--task', 'sex', '--mode', 'half', '--out', path.join(work, 'u2')], /--mode must be one of tpt, full, probe/],
    [['finetune', '--data', data, '--task', 'sex', '--device', 'gpu', '--out', path.join(work, 'u2d')], /--device must be one of auto, cpu, webgpu, cuda, got "gpu"/],
    [['finetune', '--data', data, '--task', 'sex', '--folds', '1', '--out', path.join(work, 'u3')], /--folds must be a whole number >= 2/],
    [['finetune', '--task', 'sex', '--out', path.join(work, 'u4')], /--data is required/],
    [['pretrain', '--data', data, '--out', path.join(work, 'u5'), '--mask-ratio', '1.5'], /--mask-ratio must be a number from 0.05 to 0.95/]
  ];
  for (const [argv, message] of usage) {
    const u = capture();
    expect(await runCli(argv, u.io)).toBe(2);
    expect(u.err.join('\n')).toMatch(message);
    expect(fs.existsSync(argv[argv.indexOf('--out') + 1])).toBe(false);
  }
  // A run folder that exists is not overwritten without --resume; what it holds stays whole.
  const before = listFiles(ft);
  const again = capture();
  expect(await runCli([...args, '--epochs', '1', '--cache-dir', caches], again.io)).toBe(2);
  expect(again.err.join('\n')).toMatch(/run folder is not empty/);
  expect(listFiles(ft)).toEqual(before);
  // A data error (a phenotype column the table does not have) is a typed error, exit 1.
  const d = capture();
  expect(await runCli(['finetune', '--data', data, '--task', 'phenotype:no_such_column', '--out', path.join(work, 'd1'), '--cache-dir', caches], d.io)).toBe(1);
  expect(d.err.join('\n')).toMatch(/^neurostorm finetune: \w+Error \[E_\w+\]: .*no_such_column/);
}, 1_200_000);

test('evaluate RUN --json prints the ns.evaluate object; the magic gives the same object and shows model and baseline', async () => {
  const ft = path.join(work, 'sex');
  const c = capture();
  expect(await runCli(['evaluate', ft, '--json'], c.io)).toBe(0);
  const e = JSON.parse(c.out.join(''));
  expect(e.task).toBe('sex');
  expect(Object.keys(e.metrics)).toEqual(expect.arrayContaining(['accuracy', 'balanced_accuracy', 'auroc']));
  for (const m of [...Object.values(e.metrics), ...Object.values(e.baseline.metrics)] as { value: number | null; ci: unknown[] }[]) {
    if (m.value !== null) expect(m.value >= 0 && m.value <= 1).toBe(true);
    expect(m.ci).toHaveLength(2);
  }
  expect(e.metrics.accuracy.value).not.toBeNull();
  expect(typeof e.baseline.name).toBe('string');
  // --folds 2: every subject tested once, evaluate pools the out-of-fold predictions.
  const folds = JSON.parse(fs.readFileSync(path.join(ft, 'split.json'), 'utf8')).folds as { test: string[] }[];
  expect(folds).toHaveLength(2);
  expect(e.subjects.test).toBe(10);
  expect(e.metrics.auroc.value).not.toBeNull();

  const text = capture();
  expect(await runCli(['evaluate', ft], text.io)).toBe(0);
  expect(text.out.join('\n')).toMatch(/\nmetric\s+model\s+95% CI\s+baseline \(.+\)\s+95% CI\n(\w+\s+[\d.]+\s+\[.*\]\s+[\d.n/a]+.*\n?)+/);

  const shown: MimeBundle[] = [];
  setDisplaySink({ display: b => shown.push(b), update: () => undefined });
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  let value: unknown;
  try {
    value = await runMagic(`evaluate ${ft} --as ev`);
  } finally {
    spy.mockRestore();
    setDisplaySink(null);
  }
  // Same run, same seed: the notebook gets exactly what the CLI printed.
  expect(JSON.parse(JSON.stringify(value))).toEqual(e);
  const table = shown.find(b => 'text/html' in b.data);
  expect(String(table?.data['text/html'])).toMatch(/<th>metric<\/th><th>model<\/th><th>95% CI<\/th>/);
  const plots = shown.filter(b => PLOT_MIME in b.data).map(b => b.data[PLOT_MIME] as PlotPayload);
  const roc = plots.find(p => p.plot.kind === 'roc');
  expect(roc?.plot.kind === 'roc' && roc.plot.curves.map(c => c.label)).toEqual(['model', e.baseline.name]);
  if (e.metrics.auroc.value !== null)
    expect(roc?.plot.kind === 'roc' && roc.plot.curves[0].auc).toBeCloseTo(e.metrics.auroc.value, 12);
  expect(plots.some(p => p.plot.kind === 'confusion')).toBe(true);
}, 900_000);

test('embed RUN DATASET --out DIR writes per-clip and per-subject embeddings with TSV indexes', async () => {
  const out = path.join(work, 'emb');
  const c = capture();
  // The pretraining run: its best checkpoint is the model (a k-fold run has one per fold).
  const code = await runCli(['embed', path.join(work, 'mae'), data, '--out', out, '--cache-dir', path.join(work, 'caches'), '--json'], c.io);
  expect(c.err.filter(l => !/^\w+ \d+\/\d+/.test(l))).toEqual([]);
  expect(code).toBe(0);
  const r = JSON.parse(c.out.join(''));
  expect(r.subjects.count).toBe(10);
  expect(r.clips.count).toBe(20);
  for (const f of [r.clips.file, r.clips.index, r.subjects.file, r.subjects.index]) expect(fs.existsSync(f)).toBe(true);
  expect(fs.readFileSync(r.subjects.index, 'utf8').trim().split('\n')).toHaveLength(11);
}, 600_000);

test('attribute RUN --subject writes the MNI-grid map; the magic shows it over the template; bad subjects are refused', async () => {
  const ft = path.join(work, 'sex');
  const subject = JSON.parse(fs.readFileSync(path.join(ft, 'split.json'), 'utf8')).folds[0].test[0] as string;
  const c = capture();
  expect(await runCli(['attribute', ft, '--subject', subject, '--method', 'gradient-x-input', '--json'], c.io)).toBe(0);
  const r = JSON.parse(c.out.join(''));
  expect(r).toMatchObject({ run: ft, subject, method: 'gradient-x-input' });
  expect(r.file).toBe(path.join(ft, 'attribution', `${subject}.nii.gz`));
  const map = await read(r.file);
  expect(map.shape.slice(0, 3)).toEqual([91, 109, 91]);

  const shown: MimeBundle[] = [];
  setDisplaySink({ display: b => shown.push(b), update: () => undefined });
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const out = path.join(work, 'ig.nii.gz');
    await runMagic(`attribute ${ft} --subject ${subject} --method gradient-x-input --out ${out}`);
    expect(fs.existsSync(out)).toBe(true);
  } finally {
    spy.mockRestore();
    setDisplaySink(null);
  }
  const volume = shown.map(b => b.data[VOLUME_MIME] as VolumePayload | undefined).find(v => v);
  expect(volume?.layers.map(l => l.role)).toEqual(['base', 'overlay']);

  const bad = capture();
  expect(await runCli(['attribute', ft, '--subject', 'sub-99'], bad.io)).toBe(2);
  expect(bad.err.join('\n')).toMatch(/subject sub-99 is not evaluated/);
  const missing = capture();
  expect(await runCli(['attribute', ft], missing.io)).toBe(2);
  expect(missing.err.join('\n')).toMatch(/--subject is required/);
}, 600_000);

test('%neurostorm finetune shows the progress display with training numbers and a growing curve, and gives its result', async () => {
  const shown: MimeBundle[] = [];
  setDisplaySink({ display: b => shown.push(b), update: b => shown.push(b) });
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  let value: unknown;
  const out = path.join(work, 'age-probe');
  try {
    value = await runMagic(
      `finetune --data ${data} --task age --mode probe --out ${out} --from ${path.join(work, 'mae')} --epochs 2 --batch 2 --seed 4 --cache-dir ${path.join(work, 'caches')} --as ft`
    );
  } finally {
    spy.mockRestore();
    setDisplaySink(null);
  }
  expect(value).toMatchObject({ kind: 'finetune', task: 'age', type: 'regression', run: out });
  const progress = shown.map(b => b.data[PROGRESS_MIME] as ProgressPayload | undefined).filter(p => p);
  expect(progress[progress.length - 1]?.state).toBe('done');
  expect(progress.some(p => p && typeof p.metrics.loss === 'number' && typeof p.metrics.lr === 'number')).toBe(true);
  const training = shown.map(b => b.data[PLOT_MIME] as PlotPayload | undefined).filter(p => p?.plot.kind === 'training');
  // The live curve (grown in place) and the final one from metrics.jsonl.
  expect(training.length).toBeGreaterThanOrEqual(2);
  const final = training[training.length - 1]!;
  expect(final.plot.kind === 'training' && final.plot.series.map(s => s.name)).toEqual(expect.arrayContaining(['train_loss']));
}, 900_000);

