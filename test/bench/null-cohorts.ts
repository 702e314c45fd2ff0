/**
 * Whole-pipeline null over independent zero-effect cohort draws (issue 12: "on a cohort synthesised
 * with `--effect 0` every metric stays inside its chance band").
 *
 * One learning test checks one zero-effect cohort; a single sample of 20 subjects can carry a
 * subject factor that lines up with a label by chance, and every split of it inherits that. Here the
 * generator seed varies: each draw is a fresh zero-effect cohort run through the same pipeline the
 * learning tests use (test/train: cohort.ts, pretrained.ts, learn-run.ts, chance.ts), and its
 * held-out metric (model and FC baseline) is checked against the label-permutation band of its own
 * test rows. If the pipeline is null, about 5% of draws fall outside the 95% band for each of
 * model and baseline, and the metric averages to chance.
 *
 *   npm run bench -- null-cohorts [--task sex|diagnosis] [--draws 10] [--seed 101] [--subjects 20] [--keep-cohorts]
 *
 * Each draw's cohort (1-2 GB of NIfTI and caches under the temp folder, never reused by another
 * draw), its MAE (sex) and its run are removed once its row is printed; --keep-cohorts keeps the cohorts.
 *
 * sex: the learn.test.ts control (20 subjects, 1 session, 20 frames; 1-epoch MAE pretraining on the
 * draw itself; TPT 3 epochs). diagnosis: the learn-subject.test.ts control (SUBJECT_DESIGN, the
 * starting model pretrained on the effect cohort, TPT 2 epochs). Both: test fraction 0.4.
 *
 * The band of a small test set is discrete: with 4 vs 4 test subjects AUROC falls outside
 * [1/16, 15/16] with chance 2/70 = 2.9% under the null, so the binomial test at p 0.05 is conservative
 * (it flags too many draws outside, which is what a leak or a subject factor would produce).
 *
 * Measured 2026-12-02 (2-core machine shared with CI, load 9-15): sex, seeds 101-120 (two runs of
 * 10): model AUROC mean 0.453 sd 0.212 (4-vs-4 permutation sd 0.217), 1/20 outside (below),
 * binomial P 0.64; FC baseline 0.466 sd 0.249, 2/20 outside, P 0.26. 89-264 s a draw (a 10-draw
 * run 24-31 min beside other runs of it; about 17 min when its draws took 90-125 s). Diagnosis,
 * seeds 101-111 (runs of 6 and 5): model 0.563 sd 0.222 (mean-0.5 / se 0.94), 0/11 outside; FC
 * 0.449 sd 0.216, 0/11; 177-457 s a draw.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ZERO_EFFECTS } from '../../kernel/data/synth/network';
import { TaskType } from '../../kernel/eval/scores';
import { rowsBand, testRows } from '../train/chance';
import { cohort } from '../train/cohort';
import { learnCohorts, learnRun, metric, SUBJECT_DESIGN } from '../train/learn-run';
import { pretrained } from '../train/pretrained';

interface TaskSetup {
  type: TaskType;
  metric: string;
  chance: number;
  epochs: number;
  /** The zero-effect cohort of a draw (cohort names shared with the tests, so their draws are reused). */
  data: (seed: number, subjects: number) => Promise<string>;
  /** The starting model of a draw. */
  from: (data: string) => Promise<string>;
}

const SEX_DESIGN = { subjects: 20, sessions: 1, frames: 20 };

const TASKS: Record<string, TaskSetup> = {
  sex: {
    type: 'binary',
    metric: 'auroc',
    chance: 0.5,
    epochs: 3,
    data: (seed, subjects) => cohort('learn-zero', { ...SEX_DESIGN, subjects, seed, effects: ZERO_EFFECTS }),
    from: data => pretrained(data)
  },
  diagnosis: {
    type: 'binary',
    metric: 'auroc',
    chance: 0.5,
    epochs: 2,
    data: (seed, subjects) =>
      cohort('learn-subject-zero', { ...SUBJECT_DESIGN, subjects, seed, effects: ZERO_EFFECTS }),
    from: async () => (await learnCohorts('subject')).from
  }
};

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

function int(args: string[], name: string, fallback: number): number {
  const v = Number(flag(args, name, String(fallback)));
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`--${name}: expected a positive integer, got ${flag(args, name, '')}`);
  return v;
}

/** P(X >= k) for X ~ Binomial(n, p). */
export function binomialUpper(k: number, n: number, p: number): number {
  let total = 0;
  let term = Math.pow(1 - p, n); // P(X = 0)
  for (let x = 0; x <= n; x++) {
    if (x >= k) total += term;
    term *= ((n - x) / (x + 1)) * (p / (1 - p));
  }
  return Math.min(1, total);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1));

interface Draw {
  seed: number;
  model: number;
  baseline: number;
  band: [number, number];
  seconds: number;
}

const outside = (v: number, [lo, hi]: [number, number]) => !(v >= lo && v <= hi);

export async function main(args: string[]): Promise<void> {
  const task = flag(args, 'task', 'sex');
  const setup = TASKS[task];
  if (!setup) throw new Error(`--task: expected one of ${Object.keys(TASKS).join(', ')}, got ${task}`);
  const draws = int(args, 'draws', 10);
  const seed0 = int(args, 'seed', 101);
  const subjects = int(args, 'subjects', 20);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `ns-null-${task}-`));
  const t0 = Date.now();
  console.log(
    `null over ${draws} zero-effect cohorts (${task}, ${subjects} subjects, generator seeds ${seed0}..${seed0 + draws - 1}); load ${os
      .loadavg()
      .map(l => l.toFixed(2))
      .join(' ')}`
  );
  console.log(`seed  model ${setup.metric}  FC ${setup.metric}  band(95%)        model  FC      s`);
  const rows: Draw[] = [];
  for (let d = 0; d < draws; d++) {
    const seed = seed0 + d;
    const t = Date.now();
    const data = await setup.data(seed, subjects);
    const from = await setup.from(data);
    const { dir, e } = await learnRun(data, from, task, path.join(work, `seed${seed}`), 0.4, {
      epochs: setup.epochs
    });
    // With no tied scores the permutation distribution of AUROC depends only on the class counts,
    // so the model's band is also the baseline's (same test subjects).
    const band = rowsBand(setup.type, testRows(dir, 'subject'), setup.metric);
    const r = {
      seed,
      model: metric(e, setup.metric),
      baseline: metric(e, setup.metric, true),
      band,
      seconds: (Date.now() - t) / 1000
    };
    rows.push(r);
    // A draw's cohort is its own seed's: nothing reuses it, and twenty of them filled the disk.
    if (!args.includes('--keep-cohorts')) {
      fs.rmSync(data, { recursive: true, force: true });
      if (task === 'sex') fs.rmSync(from, { recursive: true, force: true }); // pretrained on this draw (beside it)
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const io = (v: number) => (outside(v, band) ? 'OUT' : 'in ');
    console.log(
      `${String(seed).padEnd(5)} ${r.model.toFixed(3).padStart(11)} ${r.baseline.toFixed(3).padStart(8)}  [${band[0].toFixed(3)}, ${band[1].toFixed(3)}]  ${io(r.model)}    ${io(r.baseline)}  ${r.seconds.toFixed(0).padStart(5)}`
    );
  }
  const summary = (name: string, values: number[]) => {
    const out = rows.filter((r, i) => outside(values[i], r.band));
    const above = rows.filter((r, i) => values[i] > r.band[1]).length;
    const m = mean(values);
    const s = values.length > 1 ? sd(values) : NaN;
    const z = (m - setup.chance) / (s / Math.sqrt(values.length));
    console.log(
      `${name.padEnd(8)} mean ${m.toFixed(3)} sd ${s.toFixed(3)} (min ${Math.min(...values).toFixed(3)}, max ${Math.max(...values).toFixed(3)}; ` +
        `mean-${setup.chance} / se = ${z.toFixed(2)}); outside band ${out.length}/${rows.length} (${above} above), ` +
        `binomial P(X >= ${out.length} | n ${rows.length}, p 0.05) = ${binomialUpper(out.length, rows.length, 0.05).toPrecision(3)}`
    );
  };
  summary(
    'model',
    rows.map(r => r.model)
  );
  summary(
    'FC',
    rows.map(r => r.baseline)
  );
  console.log(
    `wall ${((Date.now() - t0) / 1000).toFixed(0)} s; load ${os
      .loadavg()
      .map(l => l.toFixed(2))
      .join(' ')}`
  );
  fs.rmSync(work, { recursive: true, force: true });
}
