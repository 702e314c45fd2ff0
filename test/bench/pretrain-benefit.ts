/**
 * `npm run bench -- pretrain-benefit [--task diagnosis|sex|state] [--subjects 100] [--pretrain-subjects 40]
 *                                    [--seeds 1,2,3,4,5] [--fraction 0.1] [--pretrain-epochs 4]
 *                                    [--pretrain-batch 2] [--finetune-epochs 12 (state: 4)] [--finetune-lr 5e-3]
 *                                    [--zero-effects (state only)] [--work DIR] [--no-probe]
 *                                    [--input-scale unit|GAIN] [--pretrain-lr 1e-3] [--pretrain-patience N|none]
 *                                    [--pretrain-mask window|random] [--decoder-init zero|official]
 *                                    [--population-seed N] [--pretrain-sessions 1] [--pretrain-frames 20]
 *                                    [--pretrain-options JSON] [--mode tpt|full|probe]`
 *
 * `--population-seed N`: both cohorts (pretraining, seed 31; evaluation, seed 32) are drawn from one
 * population (synth populationSeed): they share the biology (network layout, group loadings, the
 * sex/diagnosis/age/phenotype effect patterns, anatomy) and differ in their people. Without it each
 * cohort draws its biology from its own seed, so the pretraining cohort's disease pattern is not the
 * evaluation cohort's and nothing learnt in pretraining about it can transfer (every measurement
 * before 2026-12-02 noon). Real cohorts share brain organisation and disease effects.
 * `--pretrain-sessions` / `--pretrain-frames`: clips per pretraining subject and their length.
 * `--pretrain-options '{"key":value}'`: extra options merged into the pretrain() call last (e.g. an
 * objective pretrain() gains later). The cohorts' cache folders are named from their options; the
 * work folder is not: a `--work DIR` that already holds `mae` reuses it whatever the options.
 *
 * `--decoder-init zero` starts the fresh MAE's decoder_pred at 0 (pretrain decoderInit). Without it
 * the CPU MAE collapses to the trivial reconstruction (kernel/train/README.md, "Why the MAE learned
 * nothing"). With `--input-scale unit --decoder-init zero --pretrain-epochs 10 --pretrain-lr 2e-3
 * --pretrain-patience none`, the held-out masked loss reaches 0.786x trivial. The pretrained start
 * still loses to the random one: diagnosis AUROC -0.293 ± 0.063 over 5 seeds (2026-12-02). With
 * `--population-seed 7` as well it still loses: -0.130 ± 0.075 (0.791x trivial); tube masks -0.184 ±
 * 0.027, 80 subjects x 2 sessions -0.207 ± 0.031 (kernel/train/README.md, "With one population").
 *
 * `--task state` (task state, clip level, labels from events.tsv): the evaluation cohort is a task
 * cohort (stateCohort: learn-run.ts's task design, A/B blocks, 2 sessions x 60 frames = 6 clips per
 * subject, `evokedPercent` 4, `fingerprintAmplitude` 2; seed 32, the same population), fine-tuned
 * TPT with learn-tasks' recipe (4 epochs at 5e-3, the default recipe's rate; `--finetune-lr` changes
 * it). `labelFraction` keeps that fraction of the training subjects with all their clips (its
 * stratum is a subject's last clip's state: one stratum when every subject has the same block
 * design). Scored per test clip (the official task-state evaluation is per clip: the sign of the
 * binary head's logit, A vs B; with blocks covering every 20-frame clip at least 25% no clip is
 * "rest") by accuracy and macro F1; "beats" is the paired accuracy difference above 2 standard errors.
 * Without `--no-probe` it runs the clip-level probe only (stateProbe), no fine-tunes.
 * `--zero-effects`: the same task cohort with every effect 0 (ZERO_EFFECTS), the control where both
 * starts should sit at chance (not run: the pretrained start lost).
 * Measured 2026-12-02 (load 9-13 on the shared 2-core machine), `--task state --subjects 60` with the
 * `--population-seed 7` MAE above (reused; 0.791x trivial), seeds 1-5: 4 of 36 training subjects
 * labelled (16 clips), 72 test clips of 18 subjects. The pretrained start LOSES: test accuracy 0.586
 * vs 0.867 (macro F1 0.579 vs 0.866), paired difference -0.281 ± 0.054, every seed negative. The
 * probe says why: frozen pretrained clip features carry almost no state (AUROC 0.52 with 4 subjects,
 * 0.56 with 30), random backbones 0.93-0.95 (0.94-0.99). Each pair of fine-tunes 4-7 min, 1.1 GB.
 *
 * `--mode full` (default `tpt`): both starts fine-tune every weight (finetune mode full: 260,089 of
 * 260,089 parameters; TPT trains 1,537 of 261,529, prompts + head) with the same default recipe
 * (12 epochs at 5e-3, patience 4, LP-FT head, best epoch predicts); runs `full-pre-SEED` /
 * `full-rand-SEED`, so TPT runs in the same work folder are never reused. Measured 2026-12-02 15:32
 * (load 2-4), diagnosis with the `--population-seed 7` MAE above (reused; 0.791x trivial), seeds
 * 1-5 one per process: the pretrained start still LOSES, AUROC 0.510 vs 0.600 (balanced accuracy
 * 0.487 vs 0.580), paired -0.090 ± 0.066, per seed -0.080, 0.076, -0.320, -0.111, -0.013 (TPT on
 * the same splits: -0.130 ± 0.075). 6 labelled clips make one optimiser step per epoch; the best
 * epochs are 0-4, the backbone moves 1.3-2.8% (relative L2), and the pretrained model's pooled
 * features stay nearly one-dimensional (participation ratio 1.41 at the start, 1.09-1.64 after;
 * random starts 9.5-20.6 before, 1.9-5.1 after). Random starts' training loss spikes to 20 at 5e-3
 * (pretrained: at most 3.4). Each pair of fine-tunes 40-95 s, 0.97 GB peak per process.
 *
 * `--mode probe`: both starts fine-tune the head only, backbone frozen (finetune mode probe: the
 * probe-initialised head reads the frozen pooled features; same default recipe); runs `probe-pre-SEED`
 * / `probe-rand-SEED`. Not the difference-of-means probe below (`--no-probe` skips that one).
 * Measured 2026-12-02 18:35-19:03 (load 1.6-7), sex with the contrastive batch-norm MAE (`--pretrain-options
 * '{"contrastive":1,"contrastiveNorm":"batch"}' --pretrain-batch 4 --pretrain-sessions 2`, 0.849x
 * trivial), seeds 1-5 one per process: no win, paired AUROC -0.027 ± 0.082 (TPT on the same splits
 * -0.026 ± 0.082). Every run keeps its epoch-0 head, so the two modes coincide. Each pair took
 * 35-50 s at 0.83 GB (kernel/train/README.md, "Sex, frozen features").
 *
 * `--input-scale unit`: the pretraining run scales its centred input to unit mean square (presets
 * resolveInput: one gain measured on its training clips, recorded in run.json input.scale); every
 * fine-tune of both starts and the probe read their input with that same gain.
 *
 * Issue 12: "a pretrained start beats a random start with 10% of the labels (mean over at least 3
 * seeds)". MAE-pretrains the CPU configuration (default recipe, augmentation on) on one synthetic
 * cohort, then fine-tunes TPT for `--task` on another cohort (same generator, other subjects: the
 * pretraining data never contain the evaluation subjects) keeping `--fraction` of the training
 * subjects' labels (finetune `labelFraction`: stratified by class, at least one subject per class),
 * from the pretrained backbone and from a random one, with the same seed, split and labelled subset
 * per pair. Splits: 60% train (the fraction is of these), 10% validation (early stopping, all
 * labelled: the same for both starts), 30% test. Prints the held-out masked loss before and after
 * pretraining and a per-seed table of test-subject AUROC (clip logits averaged per subject, as the
 * official evaluation) and balanced accuracy, with the means and the paired difference.
 *
 * Why diagnosis and 100 subjects by default (chosen before the comparison; kernel/train/README.md):
 * the heads read mean-pooled final-stage features, which see a regional amplitude pattern mostly
 * through its net change of the brain's total fluctuation; the generator's ±1 patterns are drawn per
 * cohort seed, and `npm run bench -- pretrain-probe` on a development cohort (seed 33, neither the
 * pretraining nor the evaluation subjects) found diagnosis the task where frozen MAE features led
 * every random backbone. 100 subjects give 6 labelled training subjects (3 per class) and 30 test
 * subjects (60 gave 4 and 18); 5 seeds instead of 3. `--task sex --subjects 60 --seeds 1,2,3` is the
 * first protocol.
 *
 * The probe (what the encoder learns, without fine-tuning noise; `--no-probe` skips it): frozen
 * pooled backbone features of every evaluation subject from the pretrained model and from random
 * ones; a difference-of-class-means linear score fitted on k labelled subjects per class (k = 2; and
 * half the cohort) and scored by AUROC on all other subjects, over 300 random draws.
 *
 * Not a timed test. Measured at load 10 on the shared 2-core machine: preprocessing 40 s, pretraining
 * 8 min (4 epochs), each seed's pair of fine-tunes 2–4 min, the probe 3 min. Pretraining batch 2 keeps
 * every process under ~3 GB resident (MAE batch 4 peaks at 4.4 GB, which would need the shared
 * big-memory lock); one seed per process (`--seeds N --no-probe`) stays at 1.4 GB, while one process
 * running many fine-tunes grows (13.5 GB seen). `--work DIR` reuses finished runs in DIR (pretraining
 * and each fine-tune), so an interrupted bench continues. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { accuracy, argmax, auroc, balancedAccuracy, macroF1 } from '../../kernel/eval/metrics';
import { finetune, keepFraction } from '../../kernel/train/finetune';
import { predictClips } from '../../kernel/train/predict';
import { labelledClips, Sample } from '../../kernel/train/samples';
import { resolveConfig } from '../../kernel/train/presets';
import { startingModel } from '../../kernel/train/starting-model';
import { Random } from '../../kernel/random';
import type { NeuroStormModel } from '../../kernel/models/model';
import { maskedLoss, pretrain, PretrainOptions } from '../../kernel/train/pretrain';
import { maskSampler } from '../../kernel/train/mae-masks';
import { cohort } from '../train/cohort';
import { TASKS_DESIGN } from '../train/learn-run';
import { ZERO_EFFECTS } from '../../kernel/data/synth/network';
import { UsageError } from '../../kernel/errors';

/**
 * `--mode`: how both starts fine-tune (finetune's three modes). `probe` is finetune's mode probe
 * (head only, backbone frozen: the fine-tune reads the frozen pooled features); it is not the
 * difference-of-means frozen-feature probe below (`--no-probe` skips that one).
 */
export type BenefitMode = 'tpt' | 'full' | 'probe';

/** `--mode tpt|full|probe` (default tpt); anything else is a UsageError. */
export function benefitMode(args: string[]): BenefitMode {
  const mode = arg(args, 'mode', 'tpt');
  if (mode !== 'tpt' && mode !== 'full' && mode !== 'probe')
    throw new UsageError(`--mode must be tpt (prompts + head, backbone frozen), full (every weight trains) or probe (head only, backbone frozen), got "${mode}"`);
  return mode;
}

/**
 * A fine-tune's run folder in the work folder: `pre-SEED` / `rand-SEED` for TPT (the names every
 * earlier run used), `full-pre-SEED` / `full-rand-SEED` for full fine-tuning and `probe-pre-SEED` /
 * `probe-rand-SEED` for the head-only mode, so a work folder's runs of one mode are never reused as
 * another's.
 */
export function runName(mode: BenefitMode, start: 'pre' | 'rand', seed: number): string {
  return mode === 'tpt' ? `${start}-${seed}` : `${mode}-${start}-${seed}`;
}

/** The trainable-parameter fraction finetune recorded in a run's run.json ("?" when absent). */
function trainableFraction(run: string): string {
  const t = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')).trainable;
  return t && typeof t.fraction === 'number' ? `${t.parameters} of ${t.total} (${(t.fraction * 100).toFixed(2)}%)` : '?';
}

interface Clip {
  subject: string;
  split: string;
  target: number;
  output: number[];
}

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

/** An integer option, or undefined when absent; anything else is a UsageError. */
function optionalInteger(args: string[], name: string): number | undefined {
  const raw = arg(args, name, '');
  if (raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v)) throw new UsageError(`--${name} must be an integer, got "${raw}"`);
  return v;
}

/** `--pretrain-options JSON`: a JSON object merged into the pretrain() options (keys are not checked here). */
export function pretrainOptions(args: string[]): Partial<PretrainOptions> {
  const raw = arg(args, 'pretrain-options', '');
  if (raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`--pretrain-options must be a JSON object such as '{"epochs":4}': ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--pretrain-options must be a JSON object, got ${raw}`);
  return parsed as Partial<PretrainOptions>;
}

/** The table titles' name of a mode (TPT as before). */
function modeTitle(mode: BenefitMode): string {
  return mode === 'tpt' ? 'TPT' : mode === 'full' ? 'full fine-tuning (every weight trains)' : 'probe fine-tuning (head only, backbone frozen)';
}

/** Test-subject scores: raw logits averaged per subject. */
function testMetrics(run: string): { auroc: number; balancedAccuracy: number; subjects: number; labelled: number } {
  const clips = JSON.parse(fs.readFileSync(path.join(run, 'predictions.json'), 'utf8')).clips as Clip[];
  const by = new Map<string, { target: number; sum: number; n: number }>();
  for (const c of clips.filter(c => c.split === 'test')) {
    const g = by.get(c.subject) ?? { target: c.target, sum: 0, n: 0 };
    g.sum += c.output[0];
    g.n++;
    by.set(c.subject, g);
  }
  const rows = [...by.values()];
  const labels = rows.map(r => r.target);
  const scores = rows.map(r => r.sum / r.n);
  // the fraction applies to these (predictions.json holds validation and test clips only)
  const labelled = JSON.parse(fs.readFileSync(path.join(run, 'split.json'), 'utf8')).folds[0].train.length;
  return { auroc: auroc(labels, scores), balancedAccuracy: balancedAccuracy(labels, scores.map(s => (s > 0 ? 1 : 0))), subjects: rows.length, labelled };
}

export async function main(args: string[]): Promise<void> {
  const task = arg(args, 'task', 'diagnosis');
  if (task !== 'sex' && task !== 'diagnosis' && task !== 'state')
    throw new UsageError(`--task must be sex or diagnosis (binary participant tasks, scored by AUROC) or state (clip-level task state, scored by accuracy), got "${task}"`);
  if (args.includes('--zero-effects') && task !== 'state') throw new UsageError('--zero-effects applies to --task state only');
  const mode = benefitMode(args);
  const subjects = Number(arg(args, 'subjects', '100'));
  const preSubjects = Number(arg(args, 'pretrain-subjects', '40'));
  const seeds = arg(args, 'seeds', '1,2,3,4,5').split(',').map(Number);
  const fraction = Number(arg(args, 'fraction', '0.1'));
  const preEpochs = Number(arg(args, 'pretrain-epochs', '4'));
  // state: learn-tasks' STATE_RECIPE (4 epochs at 5e-3, the default recipe's rate), chosen before any run
  const ftEpochs = Number(arg(args, 'finetune-epochs', task === 'state' ? '4' : '12'));
  const ftLr = args.includes('--finetune-lr') ? Number(arg(args, 'finetune-lr', '')) : undefined;
  if (ftLr !== undefined && !(ftLr > 0)) throw new UsageError(`--finetune-lr must be a positive number, got "${arg(args, 'finetune-lr', '')}"`);
  const preBatch = Number(arg(args, 'pretrain-batch', '2'));
  const preLr = args.includes('--pretrain-lr') ? Number(arg(args, 'pretrain-lr', '')) : undefined;
  const prePatienceArg = arg(args, 'pretrain-patience', '');
  const prePatience = prePatienceArg === '' ? undefined : prePatienceArg === 'none' ? null : Number(prePatienceArg);
  const preMask = arg(args, 'pretrain-mask', 'window');
  if (preMask !== 'window' && preMask !== 'random') throw new UsageError(`--pretrain-mask must be window or random, got "${preMask}"`);
  const decoderInit = arg(args, 'decoder-init', 'official');
  if (decoderInit !== 'zero' && decoderInit !== 'official') throw new UsageError(`--decoder-init must be zero or official, got "${decoderInit}"`);
  const scaleArg = arg(args, 'input-scale', '');
  const inputScale = scaleArg === '' ? undefined : scaleArg === 'unit' ? ('unit' as const) : Number(scaleArg);
  // the temp folder only without --work (an eager fallback left an empty folder behind on every run)
  const work = arg(args, 'work', '') || fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pretrain-benefit-'));
  const t0 = Date.now();
  const log = (s: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${s}\n`);
  log(`load ${os.loadavg().map(v => v.toFixed(1)).join(' ')}; work ${work}`);
  const populationSeed = optionalInteger(args, 'population-seed');
  const preSessions = optionalInteger(args, 'pretrain-sessions') ?? 1;
  const preFrames = optionalInteger(args, 'pretrain-frames') ?? 20;
  const extra = pretrainOptions(args);
  // populationSeed undefined leaves the options' JSON, hence the cache folder names, as before
  const preData = await cohort('benefit-pre', { subjects: preSubjects, sessions: preSessions, frames: preFrames, seed: 31, populationSeed });
  const ftData = task === 'state' ? await stateCohort(subjects, populationSeed, args.includes('--zero-effects')) : await cohort('benefit-ft', { subjects, sessions: 1, frames: 20, seed: 32, populationSeed });
  log(`cohorts ready (population ${populationSeed ?? 'own seed per cohort'}; pretraining ${preSubjects} subjects x ${preSessions} sessions x ${preFrames} frames)`);
  const mae = path.join(work, 'mae');
  const pre = fs.existsSync(path.join(mae, 'manifest.json'))
    ? (() => {
        const m = JSON.parse(fs.readFileSync(path.join(mae, 'manifest.json'), 'utf8')).metrics;
        return { initialValidLoss: m.initial_valid_masked_loss as number, finalValidLoss: m.final_valid_masked_loss as number };
      })()
    : await pretrain({ data: preData, out: mae, epochs: preEpochs, batch: preBatch, seed: 1, inputScale, lr: preLr, patience: prePatience, spatialMask: preMask, decoderInit, ...extra });
  // both starts of every pair read the input with the pretraining run's gain (1 unless --input-scale)
  const gain = runGain(mae);
  log(`input gain ${gain.toPrecision(4)}`);
  log(`pretraining (${preSubjects} subjects, ${preEpochs} epochs, augmentation on): held-out masked loss ${pre.initialValidLoss.toFixed(4)} -> ${pre.finalValidLoss.toFixed(4)}`);
  const trivial = await trivialLoss(preData, mae);
  log(`same held-out clips and masks: pretrained model ${trivial.pretrained.toFixed(4)}, the trivial reconstruction (every voxel at its clip mean: decoder output 0) ${trivial.zero.toFixed(4)}`);
  if (task === 'state') return stateComparison({ data: ftData, work, mae, seeds, fraction, epochs: ftEpochs, lr: ftLr, gain, probe: !args.includes('--no-probe'), mode, t0, log });
  const rows: { seed: number; pre: ReturnType<typeof testMetrics>; rand: ReturnType<typeof testMetrics> }[] = [];
  for (const seed of seeds) {
    const common = { data: ftData, task, mode, seed, epochs: ftEpochs, labelFraction: fraction, fractions: { train: 0.6, val: 0.1, test: 0.3 }, inputScale: gain, ...(ftLr === undefined ? {} : { lr: ftLr }) };
    const preRun = path.join(work, runName(mode, 'pre', seed));
    const randRun = path.join(work, runName(mode, 'rand', seed));
    const seconds = [0, 0];
    let t = Date.now();
    if (!fs.existsSync(path.join(preRun, 'predictions.json'))) await finetune({ ...common, from: mae, out: preRun });
    seconds[0] = (Date.now() - t) / 1000;
    t = Date.now();
    if (!fs.existsSync(path.join(randRun, 'predictions.json'))) await finetune({ ...common, out: randRun });
    seconds[1] = (Date.now() - t) / 1000;
    const row = { seed, pre: testMetrics(preRun), rand: testMetrics(randRun) };
    rows.push(row);
    log(`seed ${seed}: pretrained AUROC ${row.pre.auroc.toFixed(3)}, random ${row.rand.auroc.toFixed(3)} (${fraction} of ${row.pre.labelled} training subjects labelled, ${row.pre.subjects} test subjects)`);
    log(`seed ${seed}: ${mode} fine-tunes ${seconds[0].toFixed(0)} s / ${seconds[1].toFixed(0)} s (0 s: reused), trainable ${trainableFraction(preRun)} / ${trainableFraction(randRun)}; load ${os.loadavg().map(v => v.toFixed(1)).join(' ')}`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  process.stdout.write(`\n${task}, ${modeTitle(mode)}, ${fraction * 100}% of the training labels; test-subject AUROC (balanced accuracy)\n`);
  process.stdout.write('seed | pretrained | random | training subjects (before the fraction) | test subjects\n');
  for (const r of rows) process.stdout.write(`${r.seed} | ${r.pre.auroc.toFixed(3)} (${r.pre.balancedAccuracy.toFixed(3)}) | ${r.rand.auroc.toFixed(3)} (${r.rand.balancedAccuracy.toFixed(3)}) | ${r.pre.labelled} | ${r.pre.subjects}\n`);
  const mp = mean(rows.map(r => r.pre.auroc));
  const mr = mean(rows.map(r => r.rand.auroc));
  process.stdout.write(`mean | ${mp.toFixed(3)} (${mean(rows.map(r => r.pre.balancedAccuracy)).toFixed(3)}) | ${mr.toFixed(3)} (${mean(rows.map(r => r.rand.balancedAccuracy)).toFixed(3)}) |\n`);
  // "Beats" only when the paired mean difference clears two standard errors: a mean that is a tie
  // within the seed-to-seed spread is not a win.
  const diffs = rows.map(r => r.pre.auroc - r.rand.auroc);
  const md = mean(diffs);
  const se = diffs.length > 1 ? Math.sqrt(diffs.reduce((a, d) => a + (d - md) ** 2, 0) / (diffs.length - 1) / diffs.length) : Infinity;
  const beats = md > 2 * se;
  process.stdout.write(`paired difference (pretrained - random) AUROC: mean ${md.toFixed(3)} ± ${se.toFixed(3)} (standard error), per seed ${diffs.map(d => d.toFixed(3)).join(', ')}\n`);
  if (!args.includes('--no-probe')) await diagnose(ftData, task, mae, seeds, gain, log);
  process.stdout.write(`${beats ? 'pretrained start beats random start' : 'pretrained start does NOT beat random start'} (paired mean difference ${beats ? 'above' : 'within'} 2 standard errors); ${((Date.now() - t0) / 1000).toFixed(0)} s, load ${os.loadavg().map(v => v.toFixed(1)).join(' ')}\n`);
}

/**
 * The task-state evaluation cohort: learn-run.ts's task design (A/B blocks, 2 sessions x 60 frames,
 * `evokedPercent` 4, `fingerprintAmplitude` 2) with this bench's subjects and evaluation seed 32,
 * drawn from the pretraining cohort's population. `zero`: the same options with every effect 0
 * (ZERO_EFFECTS, task included: events.tsv still labels the blocks, nothing in the images follows them).
 */
export async function stateCohort(subjects: number, populationSeed: number | undefined, zero: boolean): Promise<string> {
  const { sessions, frames, task, evokedPercent, fingerprintAmplitude } = TASKS_DESIGN;
  const options = { subjects, sessions, frames, seed: 32, task, evokedPercent, fingerprintAmplitude, populationSeed };
  return zero ? cohort('benefit-ft-state-zero', { ...options, effects: ZERO_EFFECTS }) : cohort('benefit-ft-state', options);
}

export interface StateScore {
  accuracy: number;
  macroF1: number;
  testSubjects: number;
  testClips: number;
  /** Training-split subjects before the fraction, and the labelled subjects and clips kept of them. */
  trainSubjects: number;
  labelledSubjects: number;
  labelledClips: number;
}

/**
 * Test-clip accuracy and macro F1 of a task-state run (the official evaluation of task state is per
 * clip: the predicted class is the argmax of the clip's logits, or the sign of a binary head's one
 * logit), with the labelled subset that
 * finetune trained on: keepFraction of the fold's training clips with the fold's seed (finetune.ts,
 * fold 0: seed + 0), recomputed here because the run records only the split before the fraction.
 */
export function stateScore(run: string, samples: readonly Sample[], fraction: number, seed: number): StateScore {
  const clips = (JSON.parse(fs.readFileSync(path.join(run, 'predictions.json'), 'utf8')).clips as Clip[]).filter(c => c.split === 'test');
  const truth = clips.map(c => c.target);
  // a binary head has one logit (class 1 when positive; task state with two conditions is binary)
  const predicted = clips.map(c => (c.output.length === 1 ? (c.output[0] > 0 ? 1 : 0) : argmax(c.output)));
  const trainIds = new Set<string>(JSON.parse(fs.readFileSync(path.join(run, 'split.json'), 'utf8')).folds[0].train);
  const train = samples.filter(s => trainIds.has(s.subject));
  const kept = fraction < 1 ? keepFraction(train, fraction, seed) : train;
  return {
    accuracy: accuracy(truth, predicted),
    macroF1: macroF1(truth, predicted),
    testSubjects: new Set(clips.map(c => c.subject)).size,
    testClips: clips.length,
    trainSubjects: trainIds.size,
    labelledSubjects: new Set(kept.map(s => s.subject)).size,
    labelledClips: kept.length
  };
}

/** Mean and standard error of the mean of paired differences (one per seed). */
export function pairedDifference(diffs: readonly number[]): { mean: number; se: number } {
  const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  const se = diffs.length > 1 ? Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / (diffs.length - 1) / diffs.length) : Infinity;
  return { mean, se };
}

interface StateComparison {
  data: string;
  work: string;
  mae: string;
  seeds: number[];
  fraction: number;
  epochs: number;
  lr: number | undefined;
  gain: number;
  probe: boolean;
  mode: BenefitMode;
  t0: number;
  log: (s: string) => void;
}

/**
 * `--task state`: per seed a TPT fine-tune of task state from the pretrained and from a random
 * backbone (same seed, split and labelled subset), scored on the test clips by accuracy and macro F1;
 * "beats" as for the participant tasks (paired accuracy difference above 2 standard errors).
 */
async function stateComparison(o: StateComparison): Promise<void> {
  const samples = (await labelledClips(o.data, 'state')).samples;
  if (o.probe) return stateProbe(samples, o.mae, o.seeds, o.gain, o.log);
  const rows: { seed: number; pre: StateScore; rand: StateScore; seconds: [number, number] }[] = [];
  for (const seed of o.seeds) {
    const common = { data: o.data, task: 'state', mode: o.mode, seed, epochs: o.epochs, labelFraction: o.fraction, fractions: { train: 0.6, val: 0.1, test: 0.3 }, inputScale: o.gain, ...(o.lr === undefined ? {} : { lr: o.lr }) };
    const seconds: [number, number] = [0, 0];
    const preRun = path.join(o.work, runName(o.mode, 'pre', seed));
    const randRun = path.join(o.work, runName(o.mode, 'rand', seed));
    for (const [k, run, from] of [[0, preRun, o.mae], [1, randRun, undefined]] as const) {
      const t = Date.now();
      if (!fs.existsSync(path.join(run, 'predictions.json'))) await finetune({ ...common, out: run, ...(from === undefined ? {} : { from }) });
      seconds[k] = (Date.now() - t) / 1000;
    }
    const row = { seed, pre: stateScore(preRun, samples, o.fraction, seed), rand: stateScore(randRun, samples, o.fraction, seed), seconds };
    rows.push(row);
    o.log(`seed ${seed}: pretrained accuracy ${row.pre.accuracy.toFixed(3)} (macro F1 ${row.pre.macroF1.toFixed(3)}), random ${row.rand.accuracy.toFixed(3)} (${row.rand.macroF1.toFixed(3)}); ${row.pre.labelledSubjects} of ${row.pre.trainSubjects} training subjects labelled (${row.pre.labelledClips} clips), ${row.pre.testClips} test clips of ${row.pre.testSubjects} subjects; fine-tunes ${seconds[0].toFixed(0)} s / ${seconds[1].toFixed(0)} s; load ${os.loadavg().map(v => v.toFixed(1)).join(' ')}`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  process.stdout.write(`\nstate, ${modeTitle(o.mode)}, ${o.fraction * 100}% of the training subjects labelled; test-clip accuracy (macro F1)\n`);
  process.stdout.write('seed | pretrained | random | labelled subjects (clips) of training subjects | test clips (subjects)\n');
  for (const r of rows) process.stdout.write(`${r.seed} | ${r.pre.accuracy.toFixed(3)} (${r.pre.macroF1.toFixed(3)}) | ${r.rand.accuracy.toFixed(3)} (${r.rand.macroF1.toFixed(3)}) | ${r.pre.labelledSubjects} (${r.pre.labelledClips}) of ${r.pre.trainSubjects} | ${r.pre.testClips} (${r.pre.testSubjects})\n`);
  process.stdout.write(`mean | ${mean(rows.map(r => r.pre.accuracy)).toFixed(3)} (${mean(rows.map(r => r.pre.macroF1)).toFixed(3)}) | ${mean(rows.map(r => r.rand.accuracy)).toFixed(3)} (${mean(rows.map(r => r.rand.macroF1)).toFixed(3)}) |\n`);
  const acc = rows.map(r => r.pre.accuracy - r.rand.accuracy);
  const f1 = rows.map(r => r.pre.macroF1 - r.rand.macroF1);
  const a = pairedDifference(acc);
  const f = pairedDifference(f1);
  process.stdout.write(`paired difference (pretrained - random) accuracy: mean ${a.mean.toFixed(3)} ± ${a.se.toFixed(3)} (standard error), per seed ${acc.map(d => d.toFixed(3)).join(', ')}\n`);
  process.stdout.write(`paired difference (pretrained - random) macro F1: mean ${f.mean.toFixed(3)} ± ${f.se.toFixed(3)}, per seed ${f1.map(d => d.toFixed(3)).join(', ')}\n`);
  const beats = a.mean > 2 * a.se;
  process.stdout.write(`${beats ? 'pretrained start beats random start' : 'pretrained start does NOT beat random start'} (paired mean accuracy difference ${beats ? 'above' : 'within'} 2 standard errors); ${((Date.now() - o.t0) / 1000).toFixed(0)} s, load ${os.loadavg().map(v => v.toFixed(1)).join(' ')}\n`);
}

/**
 * The task-state probe (what the frozen encoders hold about the state, without fine-tuning noise):
 * pooled backbone features of every clip from the pretrained model and from random ones; a
 * difference-of-class-means score fitted on all clips of k random subjects (k = 4, the labelled
 * subjects of a 10% fine-tune; and half the cohort) and scored by AUROC on the other subjects' clips,
 * over 300 draws; raw and z-scored over all clips (label-free).
 */
async function stateProbe(samples: Sample[], mae: string, seeds: number[], gain: number, log: (s: string) => void): Promise<void> {
  const cfg = resolveConfig('cpu');
  const ids = [...new Set(samples.map(s => s.subject))].sort();
  const half = Math.floor(ids.length / 2);
  const labels = samples.map(s => s.label);
  const starts: [string, () => Promise<NeuroStormModel>][] = [['pretrained', async () => (await startingModel({ from: mae, config: cfg, explicitConfig: false, seed: 1, mae: false })).model]];
  for (const seed of seeds) starts.push([`random seed ${seed}`, async () => (await startingModel({ config: cfg, explicitConfig: false, seed, mae: false })).model]);
  process.stdout.write(`\nstate: frozen pooled clip features, difference-of-means probe fitted on k subjects' clips, AUROC on the other subjects' clips over 300 draws (mean ± sd); ${samples.length} clips of ${ids.length} subjects\nbackbone | 4 subjects | ${half} subjects | z: 4 subjects | z: ${half} subjects\n`);
  for (const [name, make] of starts) {
    const raw = await predictClips(await make(), samples, { type: 'reid', batch: 4, pool: cfg.pool, centre: cfg.centre, scale: gain });
    const mean = raw[0].map((_, j) => raw.reduce((a, r) => a + r[j], 0) / raw.length);
    const sd = raw[0].map((_, j) => Math.sqrt(raw.reduce((a, r) => a + (r[j] - mean[j]) ** 2, 0) / raw.length) || 1);
    const z = raw.map(r => r.map((v, j) => (v - mean[j]) / sd[j]));
    const fmt = (r: { mean: number; sd: number }) => `${r.mean.toFixed(3)} ± ${r.sd.toFixed(3)}`;
    const cells = [[raw, 4], [raw, half], [z, 4], [z, half]].map(([f, k]) => fmt(clipProbe(f as number[][], labels, samples.map(s => s.subject), k as number, 300)));
    process.stdout.write(`${name} | ${cells.join(' | ')}\n`);
  }
  log('state probe done');
}

/** AUROC of a difference-of-class-means score fitted on the clips of k random subjects, on the other subjects' clips. */
export function clipProbe(features: number[][], labels: number[], subjects: string[], k: number, draws: number): { mean: number; sd: number } {
  const rng = new Random(77);
  const ids = [...new Set(subjects)].sort();
  const values: number[] = [];
  for (let d = 0; d < draws; d++) {
    const train = new Set(rng.shuffle([...ids]).slice(0, k));
    const mu = [0, 1].map(c => {
      const rows = features.filter((_, i) => train.has(subjects[i]) && labels[i] === c);
      return features[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
    });
    const w = mu[1].map((v, j) => v - mu[0][j]);
    const rest = features.map((_, i) => i).filter(i => !train.has(subjects[i]));
    values.push(auroc(rest.map(i => labels[i]), rest.map(i => features[i].reduce((a, v, j) => a + v * w[j], 0))));
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
}

/** A run's recorded input gain (run.json input.scale; 1 when absent). */
export function runGain(run: string): number {
  const scale = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')).input?.scale;
  return typeof scale === 'number' ? scale : 1;
}

/** Mean pooled backbone features per subject, the input read with the given gain. */
export async function subjectFeatures(model: NeuroStormModel, samples: Sample[], scale = 1): Promise<Map<string, number[]>> {
  const cfg = resolveConfig('cpu');
  const f = await predictClips(model, samples, { type: 'reid', batch: 4, pool: cfg.pool, centre: cfg.centre, scale });
  const by = new Map<string, number[][]>();
  samples.forEach((s, i) => by.set(s.subject, [...(by.get(s.subject) ?? []), f[i]]));
  return new Map([...by].map(([k, rows]) => [k, rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length)]));
}

/** Features z-scored over all subjects (label-free), so no high-variance feature dominates the probe. */
export function zscored(features: Map<string, number[]>): Map<string, number[]> {
  const rows = [...features.values()];
  const mean = rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
  const sd = rows[0].map((_, j) => Math.sqrt(rows.reduce((a, r) => a + (r[j] - mean[j]) ** 2, 0) / rows.length) || 1);
  return new Map([...features].map(([k, r]) => [k, r.map((v, j) => (v - mean[j]) / sd[j])]));
}

/** AUROC of a difference-of-means score fitted on k subjects per class, on the rest; mean and sd over draws. */
function probe(features: Map<string, number[]>, labels: Map<string, number>, k: number, draws: number): { mean: number; sd: number } {
  const rng = new Random(77);
  const ids = [...features.keys()].sort();
  const byClass = [0, 1].map(c => ids.filter(id => labels.get(id) === c));
  const values: number[] = [];
  for (let d = 0; d < draws; d++) {
    const chosen = byClass.map(list => rng.shuffle([...list]).slice(0, k));
    const mu = chosen.map(list => features.get(list[0])!.map((_, j) => list.reduce((a, id) => a + features.get(id)![j], 0) / list.length));
    const w = mu[1].map((v, j) => v - mu[0][j]);
    const train = new Set(chosen.flat());
    const rest = ids.filter(id => !train.has(id));
    const score = (id: string) => features.get(id)!.reduce((a, v, j) => a + v * w[j], 0);
    values.push(auroc(rest.map(id => labels.get(id)!), rest.map(score)));
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
}

async function diagnose(data: string, task: 'sex' | 'diagnosis', mae: string, seeds: number[], gain: number, log: (s: string) => void): Promise<void> {
  const clips = await labelledClips(data, task);
  const labels = new Map(clips.samples.map(s => [s.subject, Number(s.label)]));
  const cfg = resolveConfig('cpu');
  const starts: [string, NeuroStormModel][] = [['pretrained', (await startingModel({ from: mae, config: cfg, explicitConfig: false, seed: 1, mae: false })).model]];
  for (const seed of seeds) starts.push([`random seed ${seed}`, (await startingModel({ config: cfg, explicitConfig: false, seed, mae: false })).model]);
  const half = Math.floor(Math.min(...[0, 1].map(c => [...labels.values()].filter(v => v === c).length)) / 2);
  process.stdout.write(`\nfrozen pooled features, difference-of-means probe, test AUROC over 300 draws (mean ± sd); raw | z-scored features\nbackbone | 2 per class | ${half} per class | z: 2 per class | z: ${half} per class\n`);
  for (const [name, model] of starts) {
    const f = await subjectFeatures(model, clips.samples, gain);
    const a = probe(f, labels, 2, 300);
    const b = probe(f, labels, half, 300);
    const z = zscored(f);
    const [c, d] = [probe(z, labels, 2, 300), probe(z, labels, half, 300)];
    const fmt = (r: { mean: number; sd: number }) => `${r.mean.toFixed(3)} ± ${r.sd.toFixed(3)}`;
    process.stdout.write(`${name} | ${fmt(a)} | ${fmt(b)} | ${fmt(c)} | ${fmt(d)}\n`);
  }
  log(`${task} probe done`);
}

/**
 * The held-out masked loss of the pretrained MAE and of the trivial reconstruction that predicts
 * every masked voxel at its clip mean (0 after voxel centring: the pretrained model with its
 * decoder_pred weight and bias zeroed), on the pretraining run's held-out clips with its fixed masks
 * (pretrain.ts maskedLoss, the same call the run's validation makes). A masked loss only shows
 * learned structure where it is below the trivial one.
 */
export async function trivialLoss(preData: string, mae: string): Promise<{ pretrained: number; zero: number }> {
  const cfg = resolveConfig('cpu');
  const run = JSON.parse(fs.readFileSync(path.join(mae, 'run.json'), 'utf8'));
  const held = new Set<string>(JSON.parse(fs.readFileSync(path.join(mae, 'split.json'), 'utf8')).folds[0].validation);
  const samples = (await labelledClips(preData, 'mae')).samples.filter(s => held.has(s.subject));
  const model = (await startingModel({ from: mae, config: cfg, explicitConfig: false, seed: 1, mae: true })).model;
  const sampler = await maskSampler(model.config, run.mask, samples[0].frames);
  const options = { batch: run.batch as number, pool: cfg.pool, centre: cfg.centre, scale: runGain(mae), seed: run.seed as number };
  const pretrained = await maskedLoss(model, samples, sampler, options);
  for (const name of ['decoder_pred.weight', 'decoder_pred.bias']) model.setParameter(name, new Float32Array(model.weights.mae!.get(name)!.data.length));
  return { pretrained, zero: await maskedLoss(model, samples, sampler, options) };
}
