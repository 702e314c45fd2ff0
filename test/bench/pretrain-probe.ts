/**
 * `npm run bench -- pretrain-probe [--mae RUN] [--subjects 40] [--seed 33] [--draws 300] [--population-seed N]`
 *
 * `--population-seed N`: the development cohort is drawn from population N (synth populationSeed),
 * as pretrain-benefit's cohorts with the same option: same biology, other people.
 *
 * Which participant effect of the synthetic generator do MAE-pretrained features carry better than
 * random ones? Chooses the task of the pretrain-benefit bench on a development cohort (its own seed,
 * neither the pretraining nor the evaluation subjects), so the choice is not tuned on the subjects
 * the comparison is scored on. For every participant task (sex, diagnosis: AUROC; age, phenotype:
 * Pearson r) it fits a linear score on frozen pooled backbone features (z-scored over all subjects,
 * label-free) of k labelled subjects and scores the rest, over `--draws` random labelled subsets:
 * binary tasks the difference of class means (k per class), continuous ones the covariance
 * direction sum_i (y_i - mean y) x_i (k subjects). k = 2 per class / 4 subjects is the 10% setting.
 * Backbones: the MAE run given by `--mae` and three random initialisations, all reading the input
 * with the MAE run's recorded gain (run.json input.scale; 1 without --mae).
 */
import * as os from 'os';
import { auroc } from '../../kernel/eval/metrics';
import { labelledClips, TaskName } from '../../kernel/train/samples';
import { resolveConfig } from '../../kernel/train/presets';
import { startingModel } from '../../kernel/train/starting-model';
import { Random } from '../../kernel/random';
import type { NeuroStormModel } from '../../kernel/models/model';
import { cohort } from '../train/cohort';
import { UsageError } from '../../kernel/errors';
import { runGain, subjectFeatures, zscored } from './pretrain-benefit';

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy || 1);
}

/** Mean and sd over draws of the held-out score of a linear score fitted on a labelled subset. */
function probe(features: Map<string, number[]>, target: Map<string, number>, binary: boolean, k: number, draws: number): { mean: number; sd: number } {
  const rng = new Random(77);
  const ids = [...features.keys()].sort();
  const dim = features.get(ids[0])!.length;
  const values: number[] = [];
  for (let d = 0; d < draws; d++) {
    const chosen = binary
      ? [0, 1].flatMap(c => rng.shuffle(ids.filter(id => target.get(id) === c)).slice(0, k))
      : rng.shuffle([...ids]).slice(0, k);
    const ym = chosen.reduce((a, id) => a + target.get(id)!, 0) / chosen.length;
    const w = new Array<number>(dim).fill(0);
    for (const id of chosen) {
      const x = features.get(id)!;
      const c = binary ? (target.get(id) === 1 ? 1 : -1) / k : target.get(id)! - ym;
      for (let j = 0; j < dim; j++) w[j] += c * x[j];
    }
    const taken = new Set(chosen);
    const rest = ids.filter(id => !taken.has(id));
    const score = rest.map(id => features.get(id)!.reduce((a, v, j) => a + v * w[j], 0));
    const y = rest.map(id => target.get(id)!);
    values.push(binary ? auroc(y, score) : pearson(score, y));
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
}

export async function main(args: string[]): Promise<void> {
  const mae = arg(args, 'mae', '');
  const subjects = Number(arg(args, 'subjects', '40'));
  const seed = Number(arg(args, 'seed', '33'));
  const draws = Number(arg(args, 'draws', '300'));
  const t0 = Date.now();
  const log = (s: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${s}\n`);
  log(`load ${os.loadavg().map(v => v.toFixed(1)).join(' ')}`);
  const popArg = arg(args, 'population-seed', '');
  const populationSeed = popArg === '' ? undefined : Number(popArg);
  if (populationSeed !== undefined && !Number.isInteger(populationSeed)) throw new UsageError(`--population-seed must be an integer, got "${popArg}"`);
  const data = await cohort('benefit-dev', { subjects, sessions: 1, frames: 20, seed, populationSeed });
  log('development cohort ready');
  const cfg = resolveConfig('cpu');
  const gain = mae ? runGain(mae) : 1;
  const starts: [string, NeuroStormModel][] = [];
  if (mae) starts.push(['pretrained', (await startingModel({ from: mae, config: cfg, explicitConfig: false, seed: 1, mae: false })).model]);
  for (const s of [1, 2, 3]) starts.push([`random ${s}`, (await startingModel({ config: cfg, explicitConfig: false, seed: s, mae: false })).model]);
  const tasks: [TaskName, boolean][] = [['sex', true], ['diagnosis', true], ['age', false], ['phenotype:phenotype' as TaskName, false]];
  const targets = new Map<string, Map<string, number>>();
  let samples = (await labelledClips(data, 'sex')).samples;
  for (const [task] of tasks) {
    const clips = await labelledClips(data, task);
    targets.set(task, new Map(clips.samples.map(s => [s.subject, Number(s.target)])));
    if (clips.samples.length > samples.length) samples = clips.samples;
  }
  const half = Math.floor(subjects / 4);
  process.stdout.write(`\nfrozen z-scored pooled features, ${draws} draws (mean ± sd); binary: AUROC, k per class; continuous: Pearson r, 2k subjects\n`);
  process.stdout.write(`backbone | ${tasks.map(([t]) => `${t} k=2 | ${t} k=${half}`).join(' | ')}\n`);
  for (const [name, model] of starts) {
    const f = zscored(await subjectFeatures(model, samples, gain));
    const cells = tasks.flatMap(([task, binary]) => {
      const t = targets.get(task)!;
      const fk = new Map([...f].filter(([id]) => t.has(id)));
      return [binary ? 2 : 4, binary ? half : 2 * half].map(k => probe(fk, t, binary, k, draws)).map(r => `${r.mean.toFixed(3)} ± ${r.sd.toFixed(3)}`);
    });
    process.stdout.write(`${name} | ${cells.join(' | ')}\n`);
  }
  log(`done, load ${os.loadavg().map(v => v.toFixed(1)).join(' ')}`);
}
