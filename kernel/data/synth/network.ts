/**
 * The synthetic cohort's ground truth: participants (sex, age, diagnosis, a continuous phenotype)
 * and a latent network model of regional BOLD whose connectivity carries known effects.
 *
 * Region r's neural signal is  s_r(t) = sum_k L_s[r,k] f_k(t) + e_r(t), with K network factors plus
 * one global factor f_k (AR(1)), region noise e_r, and subject loadings
 *   L_s = L_group + (b_sex c_sex D_sex + b_age c_age D_age + b_dx c_dx D_dx + b_ph c_ph D_ph) + b_fp F_s,
 * where the D are fixed sparse cohort patterns, c the subject's centred covariates and F_s a
 * stable per-subject fingerprint (same in every session, so sessions can be re-identified).
 * Connectivity corr(s) therefore moves with each covariate in proportion to its effect size, and
 * with all sizes 0 no phenotype is predictable. Task blocks drive two networks (condition A network 0,
 * B network 1; drive 6 x the task effect size in units of the factor sd, so 1.5 at the default 0.25);
 * BOLD is the HRF convolution of s, standardised per region, then scaled by the subject's regional amplitude gains
 * g_r = exp(A · sum_k b_k c_k G_k[r]) (fixed sparse +-1 patterns G_k): fluctuation amplitude
 * (ALFF-like) differences, which real data show within one short clip, unlike connectivity.
 * They scale with the same effect sizes, so all sizes 0 also give g = 1.
 */
import { Random } from '../../random';
import { canonicalHrf, convolveCausal } from './hrf';

const { sqrt } = Math;

/** Effect sizes (loading perturbations in units of the group within-network loading). */
export interface EffectSizes {
  sex: number;
  age: number;
  diagnosis: number;
  phenotype: number;
  /** Per-subject fingerprint: how strongly sessions of one subject resemble each other. */
  fingerprint: number;
  /**
   * Task-evoked activity of task blocks (`task: true` cohorts): the networks' factor drive and the
   * regional evoked response (RunSimulation.evokedPercent) scale with it; 0 = blocks are labelled
   * in events.tsv but the BOLD does not follow them.
   */
  task: number;
}

export const DEFAULT_EFFECTS: EffectSizes = {
  sex: 0.25,
  age: 0.25,
  diagnosis: 0.25,
  phenotype: 0.25,
  fingerprint: 0.25,
  task: 0.25
};
export const ZERO_EFFECTS: EffectSizes = { sex: 0, age: 0, diagnosis: 0, phenotype: 0, fingerprint: 0, task: 0 };

export interface Participant {
  /** BIDS participant_id, e.g. "sub-01". */
  id: string;
  sex: 'M' | 'F';
  /** Years. */
  age: number;
  /** 0 control, 1 patient. */
  diagnosis: 0 | 1;
  /** A continuous score (mean 100, sd 15). */
  phenotype: number;
}

/** Balanced sex and diagnosis (independent shuffles), ages 20-80, phenotype N(100, 15). */
export function designCohort(subjects: number, rng: Random): Participant[] {
  const width = Math.max(2, String(subjects).length);
  const half = (tag: string) => rng.fork(tag).shuffle(Array.from({ length: subjects }, (_, i) => i % 2));
  const sex = half('sex');
  const dx = half('diagnosis');
  const draw = rng.fork('covariates');
  return Array.from({ length: subjects }, (_, i) => ({
    id: `sub-${String(i + 1).padStart(width, '0')}`,
    sex: sex[i] === 1 ? 'M' : 'F',
    age: Math.round((20 + 60 * draw.uniform()) * 10) / 10,
    diagnosis: dx[i] as 0 | 1,
    phenotype: Math.round((100 + 15 * draw.normal()) * 10) / 10
  }));
}

/** The centred covariates a participant's loadings respond to. */
function covariates(p: Participant): Record<'sex' | 'age' | 'diagnosis' | 'phenotype', number> {
  return {
    sex: p.sex === 'M' ? 1 : -1,
    age: (p.age - 50) / 17.3,
    diagnosis: p.diagnosis === 1 ? 1 : -1,
    phenotype: (p.phenotype - 100) / 15
  };
}

export interface NetworkModel {
  regions: number;
  /** Network factors (the global factor is one more, index `networks`). */
  networks: number;
  /** Network of each region. */
  networkOf: Int32Array;
  /** Group loadings, regions x (networks + 1), row-major. */
  group: Float64Array;
  /** Fixed effect patterns, same layout. */
  patterns: Record<'sex' | 'age' | 'diagnosis' | 'phenotype', Float64Array>;
  /** Regional amplitude patterns (+-1 in a sparse set of regions, else 0), one value per region. */
  amplitudePatterns: Record<'sex' | 'age' | 'diagnosis' | 'phenotype', Float64Array>;
  effects: EffectSizes;
}

const WITHIN_LOADING = 0.8;
/** Log-gain per unit of effect size and covariate in a region of an amplitude pattern. */
const AMPLITUDE_LOG_GAIN = 2;
const AMPLITUDE_DENSITY = 0.2;
const GLOBAL_LOADING = 0.3;
const PATTERN_DENSITY = 0.35;

/** The cohort-level model: network assignment, group loadings and effect patterns. */
export function createNetworkModel(
  regions: number,
  effects: EffectSizes,
  rng: Random,
  networks = 7
): NetworkModel {
  const cols = networks + 1;
  const order = rng.fork('networks').shuffle(Array.from({ length: regions }, (_, i) => i));
  const networkOf = new Int32Array(regions);
  order.forEach((r, i) => (networkOf[r] = i % networks));
  const group = new Float64Array(regions * cols);
  for (let r = 0; r < regions; r++) {
    group[r * cols + networkOf[r]] = WITHIN_LOADING;
    group[r * cols + networks] = GLOBAL_LOADING;
  }
  const pattern = (name: string): Float64Array => {
    const p = rng.fork(`pattern-${name}`);
    const out = new Float64Array(regions * cols);
    for (let i = 0; i < out.length; i++) out[i] = p.uniform() < PATTERN_DENSITY ? p.normal() : 0;
    return out;
  };
  const amplitude = (name: string): Float64Array => {
    const p = rng.fork(`amplitude-${name}`);
    return Float64Array.from({ length: regions }, () => (p.uniform() < AMPLITUDE_DENSITY ? (p.uniform() < 0.5 ? -1 : 1) : 0));
  };
  return {
    regions,
    networks,
    networkOf,
    group,
    amplitudePatterns: {
      sex: amplitude('sex'),
      age: amplitude('age'),
      diagnosis: amplitude('diagnosis'),
      phenotype: amplitude('phenotype')
    },
    patterns: {
      sex: pattern('sex'),
      age: pattern('age'),
      diagnosis: pattern('diagnosis'),
      phenotype: pattern('phenotype')
    },
    effects
  };
}

/** A subject's loadings: group pattern + covariate effects + fingerprint (section comment above). */
export function subjectLoadings(model: NetworkModel, participant: Participant, rng: Random): Float64Array {
  const c = covariates(participant);
  const out = Float64Array.from(model.group);
  const scale = WITHIN_LOADING;
  for (const key of ['sex', 'age', 'diagnosis', 'phenotype'] as const) {
    const b = model.effects[key] * c[key] * scale;
    if (b === 0) continue;
    const d = model.patterns[key];
    for (let i = 0; i < out.length; i++) out[i] += b * d[i];
  }
  if (model.effects.fingerprint !== 0) {
    const f = rng.fork(`fingerprint-${participant.id}`);
    for (let i = 0; i < out.length; i++) out[i] += model.effects.fingerprint * scale * f.normal();
  }
  return out;
}

/**
 * The subject's own stable amplitude pattern (re-identification from short clips): log g_r gains
 * `scale x fingerprint x z_r`, z_r ~ N(0, 1) drawn from `rng` (the subject's stream, so the same
 * in every session). Regional fluctuation amplitude (ALFF) differs between people by tens of
 * percent and is reproducible across sessions, which one 20-frame clip shows, unlike connectivity.
 */
export interface AmplitudeFingerprint {
  scale: number;
  rng: Random;
}

/**
 * A subject's regional amplitude gains g_r (section comment above); all 1 when every effect is 0.
 * With `fingerprint` (scale > 0) the subject's own pattern is added (AmplitudeFingerprint).
 */
export function regionalGains(model: NetworkModel, participant: Participant, fingerprint?: AmplitudeFingerprint): Float64Array {
  const c = covariates(participant);
  const log = new Float64Array(model.regions);
  const own = fingerprint ? fingerprint.scale * model.effects.fingerprint : 0;
  if (fingerprint && own !== 0) for (let r = 0; r < log.length; r++) log[r] = own * fingerprint.rng.normal();
  for (const key of ['sex', 'age', 'diagnosis', 'phenotype'] as const) {
    const b = model.effects[key] * c[key] * AMPLITUDE_LOG_GAIN;
    if (b === 0) continue;
    const g = model.amplitudePatterns[key];
    for (let r = 0; r < log.length; r++) log[r] += b * g[r];
  }
  return log.map(Math.exp);
}

/** One task block: onset and duration in seconds, and its condition. */
export interface TaskEvent {
  onset: number;
  duration: number;
  trialType: string;
}

export interface RegionSignals {
  /** BOLD per region, standardised (mean 0, sd 1), regions x frames, row-major. */
  bold: Float64Array;
  /** The global factor's BOLD (for brain voxels outside every region), standardised. */
  globalBold: Float64Array;
  frames: number;
  /** Task-state label per frame ("rest" or the block's condition); all "rest" without task blocks. */
  frameLabels: string[];
  events: TaskEvent[];
  /**
   * Task-evoked response in percent signal change, regions x frames (added to the rendered BOLD,
   * not standardised or gain-scaled); absent when RunSimulation.evokedPercent is 0 or unset.
   */
  evoked?: Float64Array;
}

export interface RunSimulation {
  frames: number;
  tr: number;
  /** Alternate 'A'/'B' blocks with rest. */
  task: boolean;
  /** Region noise sd relative to a unit factor. */
  regionNoise?: number;
  /** Regional amplitude gains (regionalGains); default all 1. */
  gains?: Float64Array;
  /**
   * Percent signal change of a task-evoked response in the regions of the driven network (the
   * HRF-convolved block: a long block plateaus at this value, a 12-frame block peaks ~12% above it
   * before the undershoot), at the default task effect 0.25 (scaled by task / 0.25). Default 0:
   * the task shows only through the factor drive, which standardisation and the spontaneous
   * fluctuations leave at ~1-2% of the signal. Block-design responses in the engaged cortex are
   * 1-4% at 3 T, on top of the spontaneous fluctuations, so this is the realistic way to give
   * task state a short-clip signature.
   */
  evokedPercent?: number;
}

const AR_RHO = 0.5;
const BURN_IN = 40;
const TASK_BLOCK_FRAMES = 12;
/** Factor drive of a task block per unit of the task effect size (1.5 at the default 0.25). */
const TASK_DRIVE_PER_EFFECT = 6;

function standardise(x: Float64Array): Float64Array {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let ss = 0;
  for (const v of x) ss += (v - mean) ** 2;
  const sd = sqrt(ss / x.length) || 1;
  return x.map(v => (v - mean) / sd);
}

/** Simulates one run's regional BOLD for a subject's loadings; `rng` is the run's own stream. */
export function simulateRun(
  model: NetworkModel,
  loadings: Float64Array,
  run: RunSimulation,
  rng: Random
): RegionSignals {
  const cols = model.networks + 1;
  const total = run.frames + BURN_IN;
  const innovation = sqrt(1 - AR_RHO * AR_RHO);
  const factors = Array.from({ length: cols }, () => {
    const f = new Float64Array(total);
    let prev = rng.normal();
    for (let t = 0; t < total; t++) f[t] = prev = AR_RHO * prev + innovation * rng.normal();
    return f;
  });
  const frameLabels: string[] = new Array(run.frames).fill('rest');
  const events: TaskEvent[] = [];
  const drive = TASK_DRIVE_PER_EFFECT * model.effects.task;
  // Block boxcar per driven network (0: A, 1: B), for the evoked response.
  const boxes = [new Float64Array(total), new Float64Array(total)];
  if (run.task) {
    // Rest, A, rest, B, ... in blocks of TASK_BLOCK_FRAMES; condition A drives network 0, B network 1.
    for (let start = TASK_BLOCK_FRAMES, b = 0; start < run.frames; start += 2 * TASK_BLOCK_FRAMES, b++) {
      const condition = b % 2 === 0 ? 'A' : 'B';
      const end = Math.min(run.frames, start + TASK_BLOCK_FRAMES);
      events.push({ onset: start * run.tr, duration: (end - start) * run.tr, trialType: condition });
      for (let t = start; t < end; t++) {
        factors[b % 2][BURN_IN + t] += drive;
        boxes[b % 2][BURN_IN + t] = 1;
        frameLabels[t] = condition;
      }
    }
  }
  const hrf = canonicalHrf(run.tr);
  const noise = run.regionNoise ?? 0.6;
  const bold = new Float64Array(model.regions * run.frames);
  const neural = new Float64Array(total);
  for (let r = 0; r < model.regions; r++) {
    for (let t = 0; t < total; t++) {
      let s = noise * rng.normal();
      for (let k = 0; k < cols; k++) s += loadings[r * cols + k] * factors[k][t];
      neural[t] = s;
    }
    const b = standardise(convolveCausal(neural, hrf).subarray(BURN_IN));
    const gain = run.gains ? run.gains[r] : 1;
    bold.set(gain === 1 ? b : b.map(v => v * gain), r * run.frames);
  }
  const globalBold = standardise(convolveCausal(factors[model.networks], hrf).subarray(BURN_IN));
  const percent = ((run.evokedPercent ?? 0) * model.effects.task) / DEFAULT_EFFECTS.task;
  if (!run.task || percent === 0) return { bold, globalBold, frames: run.frames, frameLabels, events };
  // The HRF has unit sum, so a long block plateaus at `percent` (after an overshoot of ~12%).
  const responses = boxes.map(box => convolveCausal(box, hrf).subarray(BURN_IN));
  const evoked = new Float64Array(model.regions * run.frames);
  for (let r = 0; r < model.regions; r++) {
    const k = model.networkOf[r];
    if (k > 1) continue;
    for (let t = 0; t < run.frames; t++) evoked[r * run.frames + t] = percent * responses[k][t];
  }
  return { bold, globalBold, frames: run.frames, frameLabels, events, evoked };
}
