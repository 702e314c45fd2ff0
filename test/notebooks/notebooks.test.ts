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

test('quickstart: cohort, check, 4D view, demo model, TPT on sex with its curve, metrics beside the FC baseline, ROC of both, confusion, attribution overlay, run manifest', () => {
  const e = runNotebookCli('quickstart', { subjects: 12, frames: 40, epochs: 2, bootstrap: 200, attributionSteps: 4 });
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

  // The attribution map as an overlay on the subject's BOLD run.
  const att = cell(e, /ns\.attribute\(/);
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
  expect(fs.readdirSync(run).filter(f => f.startsWith('attribution-'))).toHaveLength(1);
  expect(codeCells(e).length).toBeGreaterThan(8);
});
