/**
 * Every notebook in notebooks/ runs through `neurostorm run` with small parameters (injected after
 * its `parameters` cell) and shows what it is for: the assertions read the executed notebook's
 * outputs — tables, volume views with PNG fallbacks, plots with the curves they must hold — and the
 * files the run left. Slow (minutes per notebook on 2 cores); needs `npm run build:kernel`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { cell, codeCells, errors, payloads, PLOT, PNG, printed, runNotebookCli, REPO, VOLUME } from './run-notebook';

jest.setTimeout(40 * 60 * 1000);

interface PlotPayload {
  title: string;
  plot: { kind: string; curves?: { label: string; auc?: number }[]; series?: { name: string; y: (number | null)[] }[]; labels?: string[]; matrix?: number[][] };
}
interface VolumePayload {
  layers: { role: string; name?: string }[];
}

test('every notebook has a parameters cell and is seeded', () => {
  const names = fs.readdirSync(path.join(REPO, 'notebooks')).filter(n => n.endsWith('.ipynb') && !n.endsWith('.run.ipynb'));
  expect(names).toContain('quickstart.ipynb');
  for (const n of names) {
    const nb = JSON.parse(fs.readFileSync(path.join(REPO, 'notebooks', n), 'utf8')) as { cells: { cell_type: string; source: string[]; metadata: { tags?: string[] } }[]; metadata: { kernelspec: { name: string } } };
    const params = nb.cells.filter(c => c.metadata.tags?.includes('parameters'));
    expect([n, params.length]).toEqual([n, 1]);
    expect([n, /\bseed\b/.test(params[0].source.join(''))]).toEqual([n, true]);
    expect(nb.metadata.kernelspec.name).toBe('neurostorm');
    // Shipped notebooks carry no outputs: the executed copies are what runs produce.
    expect(nb.cells.every(c => c.cell_type !== 'code' || (c as { outputs?: unknown[] }).outputs?.length === 0)).toBe(true);
  }
});

const QUICK = { subjects: 24, frames: 20, epochs: 2, bootstrap: 200, attributionSteps: 4 };

test('quickstart: cohort, check, 4D view, demo model, TPT on sex with its curve, metrics beside the FC baseline, ROC of both, confusion, attribution overlay, run manifest', () => {
  const e = runNotebookCli('quickstart', QUICK);
  expect(errors(e)).toEqual([]);
  expect(e.status).toBe(0);

  // The validator table.
  expect(printed(cell(e, /%neurostorm check/))).toMatch(/sub-01/);
  // A 4D view of one run, with the PNG fallback a code host shows.
  const view = cell(e, /ns\.view\(first\.file/);
  expect(payloads<VolumePayload>(view, VOLUME)).toHaveLength(1);
  expect(payloads(view, PNG)).toHaveLength(1);
  // The demo model loads by name.
  expect(printed(cell(e, /%neurostorm load demo/))).toMatch(/demo/);
  expect(printed(cell(e, /training\.json/))).toMatch(/Not the official NeuroSTORM weights/);

  // TPT fine-tuning shows a training curve with the loss.
  const ft = cell(e, /%neurostorm finetune/);
  const curves = payloads<PlotPayload>(ft, PLOT).filter(p => p.plot.kind === 'training');
  expect(curves.length).toBeGreaterThan(0);
  const loss = curves[curves.length - 1].plot.series?.find(s => s.name === 'train_loss');
  expect(loss?.y.filter(v => v !== null && Number.isFinite(v)).length).toBeGreaterThan(1);

  // Evaluation: metrics with intervals beside the baseline, ROC with both curves, confusion matrix.
  const ev = cell(e, /%neurostorm evaluate/);
  const table = printed(ev);
  expect(table).toMatch(/auroc/);
  expect(table).toMatch(/fc-logistic/);
  const plots = payloads<PlotPayload>(ev, PLOT);
  const roc = plots.find(p => p.plot.kind === 'roc');
  expect(roc?.plot.curves?.map(c => c.label)).toEqual(expect.arrayContaining(['model', 'fc-logistic']));
  const confusion = plots.find(p => p.plot.kind === 'confusion');
  expect(confusion?.plot.labels).toHaveLength(2);
  expect(payloads(ev, PNG).length).toBeGreaterThanOrEqual(2);

  // The attribution map of a test subject as an overlay on the MNI template.
  const att = cell(e, /%neurostorm attribute/);
  const layers = payloads<VolumePayload>(att, VOLUME)[0]?.layers ?? [];
  expect(layers.map(l => l.role)).toEqual(['base', 'overlay']);
  expect(payloads(att, PNG)).toHaveLength(1);

  // The run folder: manifest and evaluation, as the last cell says.
  const run = path.join(e.dir, 'quickstart-runs', 'sex-tpt');
  const manifest = JSON.parse(fs.readFileSync(path.join(run, 'manifest.json'), 'utf8'));
  expect(JSON.stringify(manifest)).toMatch(/sha256|hash/i);
  const evaluation = JSON.parse(fs.readFileSync(path.join(run, 'evaluation.json'), 'utf8'));
  for (const m of [evaluation.metrics.auroc, evaluation.baseline.metrics.auroc]) {
    expect(m.value).toBeGreaterThanOrEqual(0);
    expect(m.value).toBeLessThanOrEqual(1);
    expect(m.ci[0]).toBeLessThanOrEqual(m.value);
    expect(m.ci[1]).toBeGreaterThanOrEqual(m.value);
  }
  expect(printed(cell(e, /manifest\.json/))).toContain(fs.realpathSync(run));
  const subject = JSON.parse(fs.readFileSync(path.join(run, 'split.json'), 'utf8')).folds[0].test[0];
  expect(fs.existsSync(path.join(run, 'attribution', `${subject}.nii.gz`))).toBe(true);

  // Provenance in the notebook: the parameters, per-cell times, and the run's record with its manifest and evaluation.
  const meta = e.notebook.metadata.neurostorm as { execution: { parameters: Record<string, unknown>; cells: { seconds: number }[]; failedCell: number | null }; runs: { run: string; task: string; mode: string; status: string; manifest: { data: { content_sha256: string } }; evaluation: { metrics: { auroc: { value: number } } } | null }[] };
  expect(meta.execution.parameters).toEqual(QUICK);
  expect(meta.execution.failedCell).toBeNull();
  expect(meta.execution.cells.length).toBe(codeCells(e).length);
  expect(meta.execution.cells.every(c => c.seconds >= 0)).toBe(true);
  const record = meta.runs.find(r => r.run === fs.realpathSync(run) || r.run === run);
  expect(record).toMatchObject({ task: 'sex', mode: 'tpt', status: 'done' });
  expect(record?.manifest.data.content_sha256).toBe(manifest.data.content_sha256);
  expect(record?.evaluation?.metrics.auroc.value).toBe(evaluation.metrics.auroc.value);
  expect(codeCells(e).length).toBeGreaterThan(8);
});

test('adapt-and-evaluate: age and phenotype by regression, diagnosis by TPT, full and probe beside the FC baseline in one table', () => {
  const e = runNotebookCli('adapt-and-evaluate', { subjects: 16, frames: 20, epochs: 1, bootstrap: 200 });
  expect(errors(e)).toEqual([]);
  for (const [pattern, task] of [[/evaluate adapt-runs\/age-tpt/, 'age'], [/evaluate adapt-runs\/phenotype-tpt/, 'phenotype']] as const) {
    const c = cell(e, pattern);
    expect(printed(c)).toMatch(/pearson_r|mae/);
    expect(printed(c)).toMatch(/fc-ridge|ridge/);
    const scatter = payloads<PlotPayload>(c, PLOT).filter(p => p.plot.kind === 'scatter');
    expect([task, scatter.length]).toEqual([task, 2]); // model and baseline
  }
  const table = cell(e, /const evals/);
  const md = (table.outputs ?? []).map(o => (o.data?.['text/markdown'] as string | string[] | undefined) ?? '').map(x => (Array.isArray(x) ? x.join('') : x)).join('');
  for (const row of ['TPT (prompts + head)', 'full fine-tuning', 'linear probe (head)', 'FC baseline']) expect(md).toContain(row);
  // Every metric cell holds a value and its interval.
  expect(md.match(/\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/g)?.length).toBeGreaterThanOrEqual(4 * 3 - 2);
  const roc = payloads<PlotPayload>(cell(e, /kind: "roc"/), PLOT)[0];
  expect(roc.plot.curves?.map(c => c.label)).toEqual(['tpt', 'full', 'probe', expect.stringMatching(/fc/)]);
  const trainable = ['tpt', 'full', 'probe'].map(m => JSON.parse(fs.readFileSync(path.join(e.dir, 'adapt-runs', `diagnosis-${m}`, 'manifest.json'), 'utf8')).trainable.parameters);
  expect(trainable[1]).toBeGreaterThan(trainable[0]); // full trains more than TPT
  expect(trainable[0]).toBeGreaterThan(trainable[2]); // TPT more than the probe (prompts + head vs head)
});

test('pretraining: masks in the viewer, an interrupted run resumed, loss curves', () => {
  const e = runNotebookCli('pretraining', { subjects: 8, frames: 40, epochs: 2, stopAtStep: 2 });
  expect(errors(e)).toEqual([]);
  const masks = cell(e, /maskVolume\("random"\)/);
  expect(printed(masks)).toMatch(/random \d+\.\d% of voxels, atlas \d+\.\d%/);
  const layers = payloads<VolumePayload>(masks, VOLUME)[0].layers;
  expect(layers.map(l => l.role)).toEqual(['base', 'mask']);
  const atlas = cell(e, /atlas mask, frame 0/);
  expect(payloads<VolumePayload>(atlas, VOLUME)[0].layers.map(l => l.name)).toEqual([expect.any(String), 'hidden (atlas)']);
  expect(payloads(atlas, PNG)).toHaveLength(1);
  expect(printed(cell(e, /AbortController/))).toMatch(/stopped: status interrupted/);
  const resumed = cell(e, /--resume/);
  const curve = payloads<PlotPayload>(resumed, PLOT).find(p => p.plot.kind === 'training');
  expect(curve?.plot.series?.map(s => s.name)).toEqual(expect.arrayContaining(['train_loss']));
  const run = JSON.parse(fs.readFileSync(path.join(e.dir, 'pretrain-runs', 'mae', 'run.json'), 'utf8'));
  expect(run.status).toBe('done');
  const rows = fs.readFileSync(path.join(e.dir, 'pretrain-runs', 'mae', 'metrics.jsonl'), 'utf8').trim().split('\n');
  expect(rows).toHaveLength(2);
  expect(printed(cell(e, /MAE decoder/))).toMatch(/MAE decoder included/);
});

test('re-identification: rank-1 and mAP with intervals beside the FC fingerprint, rank curves', () => {
  const e = runNotebookCli('re-identification', { subjects: 10, frames: 40, epochs: 1, bootstrap: 200 });
  expect(errors(e)).toEqual([]);
  const ev = cell(e, /%neurostorm evaluate/);
  expect(printed(ev)).toMatch(/rank1/);
  expect(printed(ev)).toMatch(/map/);
  const rank = payloads<PlotPayload>(ev, PLOT).find(p => p.plot.kind === 'rank');
  expect(rank?.plot.curves?.length).toBe(2);
});

test('task-state: block design, clip-level state classification beside the baseline, confusion matrix', () => {
  const e = runNotebookCli('task-state', { subjects: 8, frames: 80, epochs: 1, bootstrap: 200 });
  expect(errors(e)).toEqual([]);
  expect(printed(cell(e, /readEvents/))).toMatch(/\d+\.\d s {2}\+\d+\.\d s/);
  const ev = cell(e, /%neurostorm evaluate/);
  expect(printed(ev)).toMatch(/clip level/);
  expect(payloads<PlotPayload>(ev, PLOT).filter(p => p.plot.kind === 'confusion').length).toBeGreaterThanOrEqual(1);
});

test('official weights: a .ckpt made by the official code imports, matches its reference outputs, exports to ONNX that onnxruntime runs identically', () => {
  const fixture = path.join(REPO, 'test', 'models', 'fixtures', 'prompt-even');
  const e = runNotebookCli('official-weights', { checkpoint: path.join(fixture, 'model.ckpt'), reference: fixture });
  expect(errors(e)).toEqual([]);
  expect(printed(cell(e, /%neurostorm load/))).toMatch(/prompts 2/);
  const parity = /max \|ours - official\| = ([\d.e+-]+) \(tolerance ([\d.e+-]+)\): PASS/.exec(printed(cell(e, /fixtureInput/)));
  expect(parity).not.toBeNull();
  expect(Number(parity?.[1])).toBeLessThanOrEqual(Number(parity?.[2]));
  const exported = /max \|onnx - ours\| = ([\d.e+-]+)/.exec(printed(cell(e, /InferenceSession/)));
  expect(Number(exported?.[1])).toBeLessThan(1e-5);
  expect(fs.statSync(path.join(e.dir, 'official-export', 'neurostorm.onnx')).size).toBeGreaterThan(50_000);
  // The fixture's 36x48x24 input cannot be mapped to MNI: the notebook says so rather than failing.
  expect(printed(cell(e, /ns\.attribute\(/))).toMatch(/attribution overlay skipped: this checkpoint's input is 36x48x24x7/);
});

test('official weights without a checkpoint says how to point it at one', () => {
  const e = runNotebookCli('official-weights', {});
  expect(errors(e)).toEqual([expect.stringMatching(/^UsageError: no checkpoint given .*-p checkpoint=/)]);
  expect(e.status).not.toBe(0);
});
