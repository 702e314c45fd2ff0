/**
 * `npm run bench -- pretrain-oneclass --run RUN [--run RUN2 ...]`
 *
 * Why do fine-tunes with few labels (pretrain-benefit, 6 labelled clips) from a pretrained start put
 * every test subject in one class? For each finetune run RUN (binary task) and its starting backbone
 * (run.json `from`, or a fresh one with the run's seed) this prints:
 *  - the pooled backbone features of every subject (mean over clips): the spread across subjects
 *    (median over features of sd / |mean|), the participation ratio of their covariance (effective
 *    number of dimensions), and how far the test subjects' mean lies from the labelled subjects'
 *    mean in units of the labelled subjects' sd (what the probe's standardisation divides by);
 *  - the probe initialisation alone (probe-init.ts's logistic fit on the labelled clips' features):
 *    the test-subject logits' mean, sd and fraction > 0, and their AUROC;
 *  - the finished run's test logits (predictions.json) the same way.
 * A common shift of all test logits with a fair AUROC is a threshold problem (the ranking is kept);
 * features with a near-zero spread are a collapse.
 */
import * as fs from 'fs';
import * as path from 'path';
import { auroc } from '../../kernel/eval/metrics';
import { fitLogistic } from '../../kernel/eval/linear';
import { predictClips } from '../../kernel/train/predict';
import { keepFraction } from '../../kernel/train/finetune';
import { labelledClips, Sample } from '../../kernel/train/samples';
import { resolveConfig } from '../../kernel/train/presets';
import { startingModel } from '../../kernel/train/starting-model';
import type { NeuroStormModel } from '../../kernel/models/model';

interface Split {
  train: string[];
  validation: string[];
  test: string[];
}

function stats(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / xs.length) };
}

/** Participation ratio (Σλ)² / Σλ² of the feature covariance across rows: the effective dimension. */
function participation(rows: number[][]): number {
  const p = rows[0].length;
  const mu = rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
  // trace(C) and trace(C²) = ||C||_F² without an eigendecomposition
  let tr = 0;
  let fro = 0;
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++) {
      const c = rows.reduce((s, r) => s + (r[a] - mu[a]) * (r[b] - mu[b]), 0) / rows.length;
      if (a === b) tr += c;
      fro += c * c;
    }
  return (tr * tr) / fro;
}

export async function main(args: string[]): Promise<void> {
  const runs = args.flatMap((a, i) => (a === '--run' ? [args[i + 1]] : []));
  for (const run of runs) {
    const rec = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    const split = JSON.parse(fs.readFileSync(path.join(run, 'split.json'), 'utf8')).folds[0] as Split;
    const data = await labelledClips(rec.data, rec.task);
    const cfg = resolveConfig('cpu');
    const scale = typeof rec.input?.scale === 'number' ? rec.input.scale : 1;
    const start: NeuroStormModel = (await startingModel({ from: rec.from, config: cfg, explicitConfig: false, seed: rec.seed, mae: false })).model;
    const trained: NeuroStormModel = (await startingModel({ from: run, config: cfg, explicitConfig: false, seed: rec.seed, mae: false })).model;
    const bySubject = (ids: string[]) => data.samples.filter(s => ids.includes(s.subject));
    // the labelled subset the run trained on (finetune keepFraction, fold 0: seed = run seed)
    const train = rec.label_fraction ? keepFraction(bySubject(split.train), rec.label_fraction, rec.seed) : bySubject(split.train);
    const test = bySubject(split.test);
    process.stdout.write(`\n${run}: from ${rec.from ?? 'random (seed ' + rec.seed + ')'}, gain ${scale.toPrecision(3)}; ${train.length} labelled clips, ${test.length} test clips\n`);
    for (const [name, model] of [['start backbone, no prompts', start], ['finished run (trained prompts)', trained]] as const) {
      const feats = async (s: Sample[]) => predictClips(model, s, { type: 'reid', batch: 4, pool: cfg.pool, centre: cfg.centre, scale });
      const ft = await feats(train);
      const fe = await feats(test);
      const all = [...ft, ...fe];
      const p = all[0].length;
      const ratios: number[] = [];
      const shift: number[] = [];
      for (let j = 0; j < p; j++) {
        const a = stats(all.map(r => r[j]));
        ratios.push(a.sd / Math.max(Math.abs(a.mean), 1e-12));
        const t = stats(ft.map(r => r[j]));
        shift.push(Math.abs(stats(fe.map(r => r[j])).mean - t.mean) / Math.max(t.sd, 1e-12));
      }
      ratios.sort((a, b) => a - b);
      shift.sort((a, b) => a - b);
      const probe = fitLogistic(ft, train.map(s => Number(s.label)));
      const logits = Array.from(probe.predict(fe));
      const l = stats(logits);
      const labels = test.map(s => Number(s.label));
      process.stdout.write(
        `  ${name}: across-subject sd/|mean| median ${ratios[p >> 1].toExponential(2)} (min ${ratios[0].toExponential(2)}), participation ratio ${participation(all).toFixed(2)} of ${p}; ` +
          `|test mean - labelled mean| / labelled sd: median ${shift[p >> 1].toFixed(2)}, max ${shift[p - 1].toFixed(2)}\n` +
          `    probe on these features: test logits mean ${l.mean.toFixed(3)} sd ${l.sd.toFixed(3)}, ${logits.filter(v => v > 0).length}/${logits.length} > 0, clip AUROC ${auroc(labels, logits).toFixed(3)}\n`
      );
    }
    // Where the finished run's common logit shift comes from: its head (weight w, bias b) against the
    // probe's (w0, b0) on the start features, split at the mean feature vector μ of the test clips:
    // Δ(logit at μ) = Δb + Δw·μ. A large Δw·μ with an unchanged spread is AdamW moving every head
    // weight by about lr per step while μ is large: a shift common to every subject.
    {
      const ft = await predictClips(start, train, { type: 'reid', batch: 4, pool: cfg.pool, centre: cfg.centre, scale });
      const fe = await predictClips(start, test, { type: 'reid', batch: 4, pool: cfg.pool, centre: cfg.centre, scale });
      const probe = fitLogistic(ft, train.map(s => Number(s.label)));
      const p = fe[0].length;
      const mu = Array.from({ length: p }, (_, j) => fe.reduce((a, r) => a + r[j], 0) / fe.length);
      const [b0, atMu] = Array.from(probe.predict([new Array(p).fill(0), mu]));
      const v = trained.parameterValues();
      const w = v.get('cls:output_head.head.head.weight')!;
      const b = v.get('cls:output_head.head.head.bias')![0];
      const wMu = mu.reduce((a, m, j) => a + w[j] * m, 0);
      const l1 = mu.reduce((a, m) => a + Math.abs(m), 0);
      const sdSum = Array.from({ length: p }, (_, j) => stats(fe.map(r => r[j])).sd).reduce((a, x) => a + x, 0);
      process.stdout.write(
        `  head: probe logit at μ ${atMu.toFixed(3)}, finished ${(wMu + b).toFixed(3)}: Δb ${(b - b0).toFixed(3)}, Δw·μ ${(wMu - (atMu - b0)).toFixed(3)}; ` +
          `Σ|μ_j| ${l1.toFixed(2)}, Σ sd_j across test clips ${sdSum.toFixed(4)}\n`
      );
    }
    const clips = JSON.parse(fs.readFileSync(path.join(run, 'predictions.json'), 'utf8')).clips as { split: string; target: number; output: number[] }[];
    const out = clips.filter(c => c.split === 'test');
    const o = stats(out.map(c => c.output[0]));
    process.stdout.write(`  run's test logits: mean ${o.mean.toFixed(3)} sd ${o.sd.toFixed(3)}, ${out.filter(c => c.output[0] > 0).length}/${out.length} > 0, clip AUROC ${auroc(out.map(c => c.target), out.map(c => c.output[0])).toFixed(3)}\n`);
  }
}
