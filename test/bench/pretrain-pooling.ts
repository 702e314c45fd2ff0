/**
 * `npm run bench -- pretrain-pooling --mae RUN [--mae RUN2 ...] [--subjects 80] [--seed 33] [--draws 300]
 *                                    [--randoms 1,2,3] [--k 2,10,30] [--taps 0,1,2,patch_embed] [--population-seed N]`
 *
 * `--population-seed N`: the development cohort is drawn from population N (synth populationSeed),
 * as pretrain-benefit's cohorts with the same option: same biology, other people.
 *
 * Do MAE-pretrained features lose the participant effects, or does the heads' pooling average them
 * away? The synthetic cohort's participant effects are regional amplitude and connectivity
 * (kernel/data/synth/network.ts): second-order statistics of the time series. The official heads
 * read the last stage's tokens averaged over space and time (first order). The hypothesis tested:
 * the MAE's last-stage features follow the clip's own time course, which the mean over time
 * cancels, while a random nonlinear backbone + mean pooling acts as a random kernel on the clip's
 * amplitude, which carries the effects.
 *
 * On the development cohort (seed 33, as pretrain-probe: neither the pretraining nor the evaluation
 * subjects; one 20-frame clip per subject) and for each MAE run and random backbones reading the
 * input with that run's gain, the last-stage tokens x[c, s, t] of every clip are pooled five ways:
 *  - mean: over space and time (today's heads, predict.ts/embed.ts poolFeatures);
 *  - sd-t (space first): per channel, the sd over time of the tokens averaged over space;
 *  - sd-t (per token): the sd over time of every token, averaged over space;
 *  - mean-sq: the mean over space and time of x²;
 *  - cov-t: the channels' covariance over time of the space-averaged tokens (upper triangle).
 * `--taps` adds earlier sources pooled the same way: stage i's output after its patch merging
 * (`inter.layers.i`) or the patch embedding (`patch_embed`, linear in the input: with voxel-centred
 * clips its mean over time is the bias alone, so only the second-order poolings can read it).
 * For each: the participation ratio (effective dimension) of the features across subjects (raw and
 * z-scored), and probe AUROC for sex and diagnosis with k labelled subjects per class over `--draws`
 * random subsets: the difference of class means on features z-scored over all subjects (label-free,
 * as pretrain-probe) and an L2 logistic regression (kernel/eval/linear.ts fitLogistic, lambda 1,
 * standardised on the labelled subjects, as probe-init.ts). Also, per backbone, how much of the
 * last-stage tokens' variance is temporal (within a clip) rather than between clips, and how much of
 * that temporal variance the clip's global input signal (mean over voxels per frame) explains.
 *
 * Result (2026-12-02, the zero-start MAEs of kernel/train/README.md): no pooling rescues the MAE
 * features. Their effective dimension across subjects is 1.1-2.0 under every pooling and the
 * difference-of-means AUROC 0.40-0.53; random backbones read the effects best through today's mean
 * (kernel/train/README.md, "Does a second-order pooling rescue the MAE features?").
 *
 * Not a timed test: 80 subjects, 2 MAE runs (8 backbones) took 4 min for the last stage alone and
 * 8 min with `--taps 0,1,2`, niced at load 2-7 on the shared 2-core machine.
 */
import * as os from 'os';
import { auroc } from '../../kernel/eval/metrics';
import { fitLogistic } from '../../kernel/eval/linear';
import { readBatch } from '../../kernel/data/sampler';
import type { CacheHeader } from '../../kernel/data/frame-cache';
import { labelledClips, Sample } from '../../kernel/train/samples';
import { resolveConfig } from '../../kernel/train/presets';
import { startingModel } from '../../kernel/train/starting-model';
import { Random } from '../../kernel/random';
import type { NeuroStormModel } from '../../kernel/models/model';
import { cohort } from '../train/cohort';
import { UsageError } from '../../kernel/errors';
import { runGain, zscored } from './pretrain-benefit';

const POOLINGS = ['mean', 'sd-t (space first)', 'sd-t (per token)', 'mean-sq', 'cov-t'] as const;
type Pooling = (typeof POOLINGS)[number];

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

/** What one clip gives: its five poolings, and the temporal-variance diagnostics. */
interface ClipFeatures {
  pooled: Map<Pooling, number[]>;
  /** Σ_c Σ_t (m[c,t] - mean_t m[c,t])²: the temporal variance of the space-averaged tokens. */
  temporal: number;
  /** The part of `temporal` a per-channel linear fit on the clip's global input signal explains. */
  explainedByGlobal: number;
  /** The clip's time means (the mean pooling), kept for the between-clip variance. */
  means: number[];
}

/** Pools one clip's last-stage tokens (channels-first [C, S, T] slice of the backbone output). */
function poolClip(tokens: Float32Array, C: number, S: number, T: number, global: number[]): ClipFeatures {
  const m = Array.from({ length: C }, (_, c) => {
    const row = new Array<number>(T).fill(0);
    for (let s = 0; s < S; s++) for (let t = 0; t < T; t++) row[t] += tokens[(c * S + s) * T + t] / S;
    return row;
  });
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => {
    const mu = avg(xs);
    return Math.sqrt(xs.reduce((a, v) => a + (v - mu) ** 2, 0) / xs.length);
  };
  const means = m.map(avg);
  const sdFirst = m.map(sd);
  const sdToken = Array.from({ length: C }, (_, c) => {
    let acc = 0;
    for (let s = 0; s < S; s++) acc += sd(Array.from(tokens.subarray((c * S + s) * T, (c * S + s + 1) * T)));
    return acc / S;
  });
  const meanSq = Array.from({ length: C }, (_, c) => {
    let acc = 0;
    for (let i = 0; i < S * T; i++) acc += tokens[c * S * T + i] ** 2;
    return acc / (S * T);
  });
  const centred = m.map((row, c) => row.map(v => v - means[c]));
  const cov: number[] = [];
  for (let a = 0; a < C; a++) for (let b = a; b < C; b++) cov.push(centred[a].reduce((acc, v, t) => acc + v * centred[b][t], 0) / T);
  // temporal variance and the share a linear function of the global signal explains (per channel)
  const gm = avg(global);
  const g = global.map(v => v - gm);
  const gg = g.reduce((a, v) => a + v * v, 0);
  let temporal = 0;
  let explained = 0;
  for (const row of centred) {
    const rr = row.reduce((a, v) => a + v * v, 0);
    const rg = row.reduce((a, v, t) => a + v * g[t], 0);
    temporal += rr;
    explained += gg > 0 ? (rg * rg) / gg : 0;
  }
  const pooled = new Map<Pooling, number[]>([
    ['mean', means],
    ['sd-t (space first)', sdFirst],
    ['sd-t (per token)', sdToken],
    ['mean-sq', meanSq],
    ['cov-t', cov]
  ]);
  return { pooled, temporal, explainedByGlobal: explained, means };
}

interface SourceFeatures {
  bySubject: Map<Pooling, Map<string, number[]>>;
  clips: ClipFeatures[];
  shape: number[];
}

/**
 * Every clip's poolings of each source: `backbone` (the last stage, what the heads read) and any
 * requested taps `inter.layers.i` (stage i's output after its patch merging, channels-first as the
 * backbone). One clip per subject in this cohort; clips of a subject are averaged.
 */
async function clipFeatures(model: NeuroStormModel, samples: Sample[], gain: number, sources: string[]): Promise<Map<string, SourceFeatures>> {
  const cfg = resolveConfig('cpu');
  const headers = new Map<string, CacheHeader>();
  const clips = new Map<string, ClipFeatures[]>(sources.map(src => [src, []]));
  const shapes = new Map<string, number[]>();
  const batch = 4;
  for (let i = 0; i < samples.length; i += batch) {
    const group = samples.slice(i, i + batch);
    const padded = [...group];
    while (padded.length < batch) padded.push(group[group.length - 1]);
    const input = await readBatch(
      padded.map(s => ({ cache: s.cache, start: s.start, length: s.frames, subject: s.subject })),
      cfg.pool,
      headers,
      cfg.centre,
      gain
    );
    const taps = sources.filter(src => src !== 'backbone');
    const y = await model.forward({ data: input.data, shape: input.shape }, { prompts: model.hasPrompts, taps }, []);
    const Tin = input.shape[5];
    const voxels = input.shape.slice(2, 5).reduce((a, b) => a * b, 1);
    for (const src of sources) {
      const out = y[src];
      const shape = [...out.shape];
      shapes.set(src, shape);
      const C = shape[1];
      const T = shape[shape.length - 1];
      const S = shape.slice(2, -1).reduce((a, b) => a * b, 1);
      for (let b = 0; b < group.length; b++) {
        // global input signal per frame, at the tokens' time resolution (frames averaged in blocks)
        const perFrame = new Array<number>(Tin).fill(0);
        const base = b * voxels * Tin;
        for (let v = 0; v < voxels; v++) for (let t = 0; t < Tin; t++) perFrame[t] += input.data[base + v * Tin + t] / voxels;
        const r = Tin / T;
        const global = Array.from({ length: T }, (_, t) => perFrame.slice(t * r, (t + 1) * r).reduce((a, v) => a + v, 0) / r);
        clips.get(src)!.push(poolClip(out.data.subarray(b * C * S * T, (b + 1) * C * S * T), C, S, T, global));
      }
    }
  }
  const result = new Map<string, SourceFeatures>();
  for (const src of sources) {
    const list = clips.get(src)!;
    const bySubject = new Map<Pooling, Map<string, number[]>>();
    for (const p of POOLINGS) {
      const rows = new Map<string, number[][]>();
      samples.forEach((s, i) => rows.set(s.subject, [...(rows.get(s.subject) ?? []), list[i].pooled.get(p)!]));
      bySubject.set(p, new Map([...rows].map(([k, rs]) => [k, rs[0].map((_, j) => rs.reduce((a, r) => a + r[j], 0) / rs.length)])));
    }
    result.set(src, { bySubject, clips: list, shape: shapes.get(src)! });
  }
  return result;
}

/** Participation ratio (Σλ)² / Σλ² of the covariance across rows, from the n x n Gram matrix. */
function participation(rows: number[][]): number {
  const n = rows.length;
  const p = rows[0].length;
  const mu = rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / n);
  const x = rows.map(r => r.map((v, j) => v - mu[j]));
  let tr = 0;
  let fro = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      let g = 0;
      for (let j = 0; j < p; j++) g += x[a][j] * x[b][j];
      if (a === b) tr += g;
      fro += g * g;
    }
  return fro > 0 ? (tr * tr) / fro : 0;
}

interface Score {
  mean: number;
  sd: number;
}

function summary(values: number[]): Score {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
}

/** Held-out AUROC over draws of k labelled subjects per class: difference of means and logistic. */
function probes(features: Map<string, number[]>, labels: Map<string, number>, k: number, draws: number): { dom: Score; logistic: Score } {
  const rng = new Random(77);
  const ids = [...features.keys()].filter(id => labels.has(id)).sort();
  const z = zscored(new Map(ids.map(id => [id, features.get(id)!])));
  const byClass = [0, 1].map(c => ids.filter(id => labels.get(id) === c));
  const dom: number[] = [];
  const logistic: number[] = [];
  for (let d = 0; d < draws; d++) {
    const chosen = byClass.map(list => rng.shuffle([...list]).slice(0, k));
    const taken = new Set(chosen.flat());
    const rest = ids.filter(id => !taken.has(id));
    const y = rest.map(id => labels.get(id)!);
    const mu = chosen.map(list => z.get(list[0])!.map((_, j) => list.reduce((a, id) => a + z.get(id)![j], 0) / list.length));
    const w = mu[1].map((v, j) => v - mu[0][j]);
    dom.push(auroc(y, rest.map(id => z.get(id)!.reduce((a, v, j) => a + v * w[j], 0))));
    const train = chosen.flat();
    const fit = fitLogistic(train.map(id => features.get(id)!), train.map(id => labels.get(id)!));
    logistic.push(auroc(y, Array.from(fit.predict(rest.map(id => features.get(id)!)))));
  }
  return { dom: summary(dom), logistic: summary(logistic) };
}

export async function main(args: string[]): Promise<void> {
  const maes = args.flatMap((a, i) => (a === '--mae' ? [args[i + 1]] : []));
  const subjects = Number(arg(args, 'subjects', '80'));
  const seed = Number(arg(args, 'seed', '33'));
  const draws = Number(arg(args, 'draws', '300'));
  const randoms = arg(args, 'randoms', '1,2,3').split(',').map(Number);
  const ks = arg(args, 'k', '2,10,30').split(',').map(Number);
  const tapArg = arg(args, 'taps', '');
  // a number i names stage i's output (`inter.layers.i`); any other name a backbone tap (`patch_embed`)
  const sources = ['backbone', ...(tapArg ? tapArg.split(',').map(t => (/^\d+$/.test(t) ? `inter.layers.${t}` : `inter.${t}`)) : [])];
  const t0 = Date.now();
  const load = () => os.loadavg().map(v => v.toFixed(1)).join(' ');
  const log = (s: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${s}\n`);
  log(`load ${load()}`);
  const popArg = arg(args, 'population-seed', '');
  const populationSeed = popArg === '' ? undefined : Number(popArg);
  if (populationSeed !== undefined && !Number.isInteger(populationSeed)) throw new UsageError(`--population-seed must be an integer, got "${popArg}"`);
  const data = await cohort('benefit-dev', { subjects, sessions: 1, frames: 20, seed, populationSeed });
  const tasks = ['sex', 'diagnosis'] as const;
  const labels = new Map<string, Map<string, number>>();
  let samples: Sample[] = [];
  for (const task of tasks) {
    const clips = await labelledClips(data, task);
    labels.set(task, new Map(clips.samples.map(s => [s.subject, Number(s.label)])));
    if (clips.samples.length > samples.length) samples = clips.samples;
  }
  for (const task of tasks) {
    const counts = [0, 1].map(c => [...labels.get(task)!.values()].filter(v => v === c).length);
    log(`${task}: ${counts[0]} / ${counts[1]} subjects per class`);
  }
  log(`development cohort ready: ${samples.length} clips`);
  const cfg = resolveConfig('cpu');
  // with no --mae: random backbones at gain 1 only
  const groups: [string | null, number][] = maes.length ? maes.map(m => [m, runGain(m)]) : [[null, 1]];
  for (const [mae, gain] of groups) {
    const starts: [string, NeuroStormModel][] = [];
    if (mae) starts.push([`pretrained ${mae}`, (await startingModel({ from: mae, config: cfg, explicitConfig: false, seed: 1, mae: false })).model]);
    for (const s of randoms) starts.push([`random ${s}`, (await startingModel({ config: cfg, explicitConfig: false, seed: s, mae: false })).model]);
    process.stdout.write(`\n## input gain ${gain.toPrecision(4)}${mae ? ` (the gain of ${mae})` : ''}\n`);
    for (const [name, model] of starts) {
      const all = await clipFeatures(model, samples, gain, sources);
      for (const src of sources) {
        const f = all.get(src)!;
        // variance split of the space-averaged tokens: within clips over time vs between clip means
        const temporal = f.clips.reduce((a, c) => a + c.temporal, 0);
        const explained = f.clips.reduce((a, c) => a + c.explainedByGlobal, 0);
        const T = f.shape[f.shape.length - 1];
        const meanRows = f.clips.map(c => c.means);
        const grand = meanRows[0].map((_, j) => meanRows.reduce((a, r) => a + r[j], 0) / meanRows.length);
        const between = meanRows.reduce((a, r) => a + r.reduce((b, v, j) => b + (v - grand[j]) ** 2, 0), 0) * T;
        process.stdout.write(
          `\n### ${name}, ${src === 'backbone' ? 'last stage (the heads\' input)' : src}: ${f.shape.slice(1).join(' x ')} (C x space x T); of the space-averaged tokens' variance around the grand mean, ` +
            `${((100 * temporal) / (temporal + between)).toFixed(1)}% is within clips over time, ${((100 * between) / (temporal + between)).toFixed(1)}% between clip means; ` +
            `the clip's global input signal explains ${((100 * explained) / Math.max(temporal, 1e-30)).toFixed(1)}% of the temporal part ` +
            `(in-sample, 1 of ${T - 1} degrees of freedom per channel: ~${(100 / (T - 1)).toFixed(0)}% by chance)\n`
        );
        process.stdout.write(`pooling | dim | PR raw | PR z | ${tasks.flatMap(t => ks.map(k => `${t} k=${k} DoM / logistic`)).join(' | ')}\n`);
        for (const p of POOLINGS) {
          const feats = f.bySubject.get(p)!;
          const rows = [...feats.values()];
          const cells = tasks.flatMap(task =>
            ks.map(k => {
              const r = probes(feats, labels.get(task)!, k, draws);
              return `${r.dom.mean.toFixed(3)}±${r.dom.sd.toFixed(2)} / ${r.logistic.mean.toFixed(3)}±${r.logistic.sd.toFixed(2)}`;
            })
          );
          process.stdout.write(`${p} | ${rows[0].length} | ${participation(rows).toFixed(1)} | ${participation([...zscored(feats).values()]).toFixed(1)} | ${cells.join(' | ')}\n`);
        }
      }
      log(`${name} done, load ${load()}`);
    }
  }
  process.stdout.write(`\nAUROC: mean ± sd over ${draws} draws of k labelled subjects per class, scored on every other subject\n`);
  log(`done, load ${load()}`);
}
