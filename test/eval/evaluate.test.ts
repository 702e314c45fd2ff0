/**
 * ns.evaluate on run folders written by the contract over a real synthetic cohort (ns.data.synth):
 * predictions follow a known rule, the expected metrics are computed by scikit-learn on the
 * subject means (the official aggregation), and the FC baseline reads the cohort's BOLD files.
 */
import { python } from './python';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ns from '../../kernel';
import { synth } from '../../kernel/data/synth/cohort';
import { Random } from '../../kernel/random';
import { DatasetError } from '../../kernel/errors';
import { FixtureClip, FixtureRun, FixtureSample, writeRunFolder } from './run-fixture';

jest.setTimeout(600_000);


let tmp: string;
let cache: string;
let participants: { id: string; sex: 'M' | 'F'; age: number }[];
let runs: { subject: string; session: string; file: string; frames: number }[];
const SUBJECTS = 12;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-eval-'));
  cache = path.join(tmp, 'fc-cache');
  // Effects strong enough for the FC baseline to find with 5 training subjects per fold (12
  // subjects x 2 sessions x 40 frames). Measured on the generator's region series over seeds 3-6:
  // sex 3 gives held-out AUROC 1.0; sex 1 with fingerprint 1 gives 0.36-0.64, and sex 3 with age 3
  // gives 0.56-0.83: other large effects are nuisance variance for a 5-subject fit.
  const cohort = await synth({
    out: path.join(tmp, 'cohort'),
    subjects: SUBJECTS,
    sessions: 2,
    frames: 40,
    seed: 3,
    gzipLevel: 1,
    effects: { sex: 3, age: 1, fingerprint: 0.5, diagnosis: 0, phenotype: 0 }
  });
  participants = cohort.participants;
  runs = cohort.runs;
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Two 20-frame clips per run (starts 0 and 20), with the given per-subject target. */
function samplesFor(target: (id: string) => number | null): FixtureSample[] {
  return runs.flatMap(r => [0, 20].map(start => ({ subject: r.subject, session: r.session, bold: r.file, start, frames: 20, target: target(r.subject) })));
}

/** Two folds: halves of the cohort as test; one validation subject; the rest train. */
function twoFolds(): FixtureRun['folds'] {
  const ids = participants.map(p => p.id);
  const half = ids.length / 2;
  return [0, 1].map(k => {
    const test = ids.slice(k * half, (k + 1) * half);
    const rest = ids.filter(s => !test.includes(s));
    return { train: rest.slice(1), validation: rest.slice(0, 1), test };
  });
}

function clipsFrom(samples: FixtureSample[], folds: FixtureRun['folds'], output: (s: FixtureSample) => number[]): FixtureClip[] {
  return samples.flatMap(s => {
    const fold = folds.findIndex(f => f.test.includes(s.subject));
    return fold < 0 ? [] : [{ subject: s.subject, session: s.session, bold: s.bold, start: s.start, fold, split: 'test' as const, target: s.target, output: output(s) }];
  });
}

const subjectMeans = (clips: FixtureClip[]) => {
  const by = new Map<string, { t: number; sum: number[]; n: number }>();
  for (const c of clips) {
    const e = by.get(c.subject) ?? { t: c.target as number, sum: c.output.map(() => 0), n: 0 };
    c.output.forEach((v, k) => (e.sum[k] += v));
    e.n++;
    by.set(c.subject, e);
  }
  return [...by.values()].map(e => ({ t: e.t, o: e.sum.map(v => v / e.n) }));
};

test('binary task (sex, 2 folds): subject-mean logits scored as scikit-learn does, FC baseline beside, evaluation.json written', async () => {
  const sexOf = new Map(participants.map(p => [p.id, p.sex === 'M' ? 1 : 0]));
  const rng = new Random(10);
  const samples = samplesFor(id => sexOf.get(id) as number);
  const folds = twoFolds();
  // Known rule: clip logit = +-0.8 by sex + N(0, 1.5): separable on average, with mistakes.
  const clips = clipsFrom(samples, folds, s => [(s.target === 1 ? 0.8 : -0.8) + 1.5 * rng.normal()]);
  const dir = writeRunFolder(path.join(tmp, 'run-sex'), { task: 'sex', type: 'binary', level: 'subject', classes: ['F', 'M'], folds, samples, clips });
  const result = await ns.evaluate(dir, { cacheDir: cache, bootstrap: { reps: 300 } });

  const means = subjectMeans(clips);
  const expected = python(
    [
      'import json,sys,numpy as np',
      'from sklearn import metrics as M',
      'rows=json.load(sys.stdin); t=[r["t"] for r in rows]; s=[r["o"][0] for r in rows]; p=[1 if v>=0 else 0 for v in s]',
      'print(json.dumps(dict(accuracy=M.accuracy_score(t,p),balanced_accuracy=M.balanced_accuracy_score(t,p),auroc=M.roc_auc_score(t,1/(1+np.exp(-np.array(s)))),macro_f1=M.f1_score(t,p,average="macro"),cm=M.confusion_matrix(t,p).tolist())))'
    ].join('\n'),
    means
  ) as Record<string, number> & { cm: number[][] };
  for (const name of ['accuracy', 'balanced_accuracy', 'auroc', 'macro_f1']) {
    const m = result.metrics[name];
    expect(Math.abs((m.value as number) - expected[name])).toBeLessThanOrEqual(1e-9);
    expect(m.ci[0] as number).toBeLessThanOrEqual(m.value as number);
    expect(m.ci[1] as number).toBeGreaterThanOrEqual(m.value as number);
  }
  expect(result.confusion?.model).toEqual(expected.cm);
  expect(result.task).toBe('sex');
  expect(result.units).toBe(SUBJECTS);
  expect(result.subjects).toEqual({ train: 5, validation: 1, test: SUBJECTS });
  expect(result.curves.roc?.model?.[0].fpr[0]).toBe(0);
  // The baseline: fitted per fold with nested CV, scored on the same 12 subjects.
  expect(result.baseline?.name).toBe('fc-logistic');
  expect(Object.keys(result.baseline?.metrics ?? {}).sort()).toEqual(Object.keys(result.metrics).sort());
  expect(result.baselineDetails?.lambdas).toHaveLength(2);
  expect(result.baselineDetails?.regions).toBeGreaterThan(50);
  expect(result.confusion?.baseline?.flat().reduce((a, b) => a + b, 0)).toBe(SUBJECTS);
  // A strong sex effect in FC: the baseline finds it on held-out subjects.
  expect(result.baseline?.metrics.auroc.value as number).toBeGreaterThan(0.85);
  const written = JSON.parse(fs.readFileSync(path.join(dir, 'evaluation.json'), 'utf8'));
  expect(written).toEqual(JSON.parse(JSON.stringify(result)));
  expect(fs.readdirSync(dir).filter(f => f.includes('.tmp-'))).toEqual([]);
  // Same seed, same intervals; the ROI cache makes the second evaluation read no BOLD file.
  const files = fs.readdirSync(cache).length;
  expect(files).toBe(runs.length);
  const again = await ns.evaluate(dir, { cacheDir: cache, bootstrap: { reps: 300 }, dryRun: true });
  expect(again.metrics).toEqual(result.metrics);
  expect(again.baseline).toEqual(result.baseline);
});

test('regression (age): metrics in original units as scikit-learn on subject means; ridge baseline', async () => {
  const ageOf = new Map(participants.map(p => [p.id, p.age]));
  const rng = new Random(11);
  const samples = samplesFor(id => ageOf.get(id) as number);
  const folds = twoFolds();
  const clips = clipsFrom(samples, folds, s => [(s.target as number) * 0.8 + 10 + 6 * rng.normal()]);
  const dir = writeRunFolder(path.join(tmp, 'run-age'), { task: 'age', type: 'regression', level: 'subject', folds, samples, clips });
  const result = await ns.evaluate(dir, { cacheDir: cache, bootstrap: { reps: 200 } });
  const means = subjectMeans(clips);
  const expected = python(
    [
      'import json,sys,numpy as np',
      'from sklearn import metrics as M',
      'rows=json.load(sys.stdin); t=[r["t"] for r in rows]; p=[r["o"][0] for r in rows]',
      'print(json.dumps(dict(mse=M.mean_squared_error(t,p),mae=M.mean_absolute_error(t,p),r2=M.r2_score(t,p),pearson_r=float(np.corrcoef(t,p)[0,1]))))'
    ].join('\n'),
    means
  ) as Record<string, number>;
  for (const name of ['mse', 'mae', 'r2', 'pearson_r']) expect(Math.abs((result.metrics[name].value as number) - expected[name])).toBeLessThanOrEqual(1e-9);
  expect(result.curves.predicted?.model).toHaveLength(SUBJECTS);
  expect(result.baseline?.name).toBe('fc-ridge');
  expect(result.curves.predicted?.baseline).toHaveLength(SUBJECTS);
  expect(Number.isFinite(result.baseline?.metrics.mae.value as number)).toBe(true);
});

test('re-identification: cross-session query/gallery retrieval for the model and the FC fingerprint', async () => {
  const rng = new Random(12);
  const identity = new Map(participants.map(p => [p.id, Array.from({ length: 16 }, () => rng.normal())]));
  const samples = samplesFor(() => null);
  const ids = participants.map(p => p.id);
  const folds = [{ train: ids.slice(0, 4), validation: [], test: ids.slice(4) }];
  // Embedding = subject identity + noise: sessions of one subject stay closest to each other.
  const clips = clipsFrom(samples, folds, s => (identity.get(s.subject) as number[]).map(v => v + 0.8 * rng.normal()));
  const dir = writeRunFolder(path.join(tmp, 'run-reid'), { task: 'reid', type: 'reid', level: 'clip', folds, samples, clips });
  const result = await ns.evaluate(dir, { cacheDir: cache, bootstrap: { reps: 200 } });
  expect(result.protocol).toBe('query-gallery');
  // Independent Rank-1: each ses-1 clip's nearest ses-2 clip by cosine (no ties in continuous data).
  const cos = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
  const q = clips.filter(c => c.session === 'ses-1');
  const g = clips.filter(c => c.session !== 'ses-1');
  const hits = q.map(c => g.reduce((best, x) => (cos(c.output, x.output) > cos(c.output, best.output) ? x : best)).subject === c.subject);
  expect(Math.abs((result.metrics.rank1.value as number) - hits.filter(Boolean).length / q.length)).toBeLessThanOrEqual(1e-12);
  expect(result.units).toBe(q.length);
  expect(result.curves.rank?.model?.at(-1)).toBeCloseTo(1, 12);
  expect(result.baseline?.name).toBe('fc-fingerprint');
  // Chance Rank-1 is 1/8 (8 test subjects); a strong fingerprint effect is found across sessions.
  expect(result.baseline?.metrics.rank1.value as number).toBeGreaterThan(2 / 8);
});

test('clip-level multiclass (task state): per-clip accuracy and macro F1 as scikit-learn', async () => {
  const rng = new Random(13);
  const samples = samplesFor(() => 0).map((s, i) => ({ ...s, target: i % 3 }));
  const folds = twoFolds();
  const clips = clipsFrom(samples, folds, s => [0, 1, 2].map(k => (k === s.target ? 1 : 0) + rng.normal()));
  const dir = writeRunFolder(path.join(tmp, 'run-state'), { task: 'state', type: 'multiclass', level: 'clip', classes: ['rest', 'A', 'B'], folds, samples, clips });
  const result = await ns.evaluate(dir, { cacheDir: cache, bootstrap: { reps: 100 } });
  const expected = python(
    [
      'import json,sys,numpy as np',
      'from sklearn import metrics as M',
      'from scipy.special import softmax',
      'rows=json.load(sys.stdin); t=[r["target"] for r in rows]; o=np.array([r["output"] for r in rows]); p=o.argmax(1)',
      'print(json.dumps(dict(accuracy=M.accuracy_score(t,p),macro_f1=M.f1_score(t,p,average="macro"),balanced_accuracy=M.balanced_accuracy_score(t,p),auroc=M.roc_auc_score(t,softmax(o,axis=1),multi_class="ovr"))))'
    ].join('\n'),
    clips
  ) as Record<string, number>;
  for (const name of Object.keys(expected)) expect(Math.abs((result.metrics[name].value as number) - expected[name])).toBeLessThanOrEqual(1e-9);
  expect(result.units).toBe(clips.length);
  expect(result.confusion?.classes).toEqual(['rest', 'A', 'B']);
  expect(result.curves.roc?.model).toHaveLength(3);
  expect(result.baseline?.name).toBe('fc-logistic');
});

test('bad run folders: typed errors naming the file', async () => {
  const samples = samplesFor(() => 1).slice(0, 8);
  const subjects = [...new Set(samples.map(s => s.subject))];
  const folds = [{ train: [], validation: [], test: subjects }];
  const clips = clipsFrom(samples, folds, () => [0.5]);
  const base: FixtureRun = { task: 'sex', type: 'binary', level: 'subject', classes: ['F', 'M'], folds, samples, clips };
  const missing = writeRunFolder(path.join(tmp, 'bad-missing'), base);
  fs.rmSync(path.join(missing, 'predictions.json'));
  await expect(ns.evaluate(missing)).rejects.toThrow(DatasetError);
  await expect(ns.evaluate(missing)).rejects.toThrow(/predictions\.json/);
  const unknown = writeRunFolder(path.join(tmp, 'bad-type'), { ...base, type: 'ordinal' });
  await expect(ns.evaluate(unknown)).rejects.toThrow(/run\.json: unknown task type "ordinal"/);
  const unlabelled = writeRunFolder(path.join(tmp, 'bad-labels'), {
    ...base,
    samples: samples.map(s => (s.subject === subjects[0] ? { ...s, target: null } : s)),
    clips: clips.map(c => (c.subject === subjects[0] ? { ...c, target: null } : c))
  });
  await expect(ns.evaluate(unlabelled)).rejects.toThrow(new RegExp(`predictions\\.json: labels missing for subject ${subjects[0]}`));
  const wrongWidth = writeRunFolder(path.join(tmp, 'bad-width'), { ...base, clips: clips.map(c => ({ ...c, output: [1, 2] })) });
  await expect(ns.evaluate(wrongWidth)).rejects.toThrow(/output has 2 values; a binary task needs 1/);
  const notTested = writeRunFolder(path.join(tmp, 'bad-split'), { ...base, folds: [{ train: subjects, validation: [], test: [] }] });
  await expect(ns.evaluate(notTested)).rejects.toThrow(/split\.json does not put it there/);
});
