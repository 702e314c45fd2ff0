/**
 * `ns.data.synth` / `neurostorm synth`: writes the product's embedded default dataset, a BIDS
 * derivative of N subjects x S sessions on FSL's MNI 2 mm grid (91x109x91, LAS, like FSL/HCP/UKB,
 * so preprocessing takes its no-resample path), with participants.tsv carrying the ground truth.
 *
 * Deterministic per seed: every draw comes from `new Random(seed)` forked by purpose and subject,
 * so a subject's data do not change when the cohort grows.
 *
 * The cohort is written as a whole: into a sibling temp folder that replaces `out` only when every
 * file is written (io/atomic.ts replaceDirAtomic). An overwrite never leaves old runs beside new
 * ones, and a kill or a full disk midway leaves the previous cohort (or nothing) in place.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../../errors';
import { replaceDirAtomic, writeFileAtomic } from '../../io/atomic';
import { read } from '../../nifti/read';
import { createImage, XformCode } from '../../nifti/image';
import { write } from '../../nifti/write';
import { packageVersion } from '../../version';
import { LabelMap, labelMapOnGrid } from '../atlas';
import { MNI_2MM_LAS } from '../grid';
import { LongWorkOptions, checkAborted } from '../../progress';
import { Random } from '../../random';
import { resolveSynthAssets } from './assets';
import {
  DEFAULT_EFFECTS,
  EffectSizes,
  Participant,
  RegionSignals,
  createNetworkModel,
  designCohort,
  regionalGains,
  simulateRun,
  subjectLoadings,
  TaskEvent
} from './network';
import {
  Artefacts,
  DEFAULT_NOISE,
  NoiseModel,
  baselines,
  drawArtefacts,
  renderFrame,
  voxelLayout
} from './voxels';

export interface SynthOptions extends LongWorkOptions {
  subjects?: number;
  sessions?: number;
  /** Frames per run. */
  frames?: number;
  /** Seconds. */
  tr?: number;
  seed?: number;
  /**
   * Seed of the population the cohort is drawn from: its biology (network layout, group loadings,
   * the phenotype effect patterns) and the cohort anatomy pattern. Default: `seed`, so every cohort
   * is its own world. Two cohorts with the same `populationSeed` and different `seed`s are different
   * people with the same brain organisation and the same disease, sex and age effects, as two real
   * cohorts are; pretraining on one and evaluating on the other needs that (a pattern drawn per cohort
   * gives a pretrained model nothing to transfer).
   */
  populationSeed?: number;
  effects?: Partial<EffectSizes>;
  noise?: Partial<NoiseModel>;
  /** Alternating task blocks (labels in events.tsv) instead of rest. */
  task?: boolean;
  /**
   * Task-evoked response of the driven networks' regions in percent signal change at the default
   * task effect (network.ts RunSimulation.evokedPercent); default 0 (the factor drive only).
   */
  evokedPercent?: number;
  /**
   * Scale of each subject's own stable regional amplitude pattern (log-gain sd per unit of the
   * fingerprint effect; network.ts AmplitudeFingerprint); default 0 (the fingerprint shows in
   * connectivity and static intensity only).
   */
  fingerprintAmplitude?: number;
  /** Label atlas (default: the embedded Schaefer 2018 atlas, kernel/data/assets). */
  atlas?: string;
  /** Brain mask (default: the embedded MNI 2 mm brain mask, kernel/data/assets). */
  mask?: string;
}

export interface SynthWriteOptions extends SynthOptions {
  out: string;
  /** Allow writing into a non-empty folder. */
  overwrite?: boolean;
  /** zlib level of the .nii.gz files (run-length strategy: fast on noisy data); default 6. */
  gzipLevel?: number;
}

/** The defaults of the embedded cohort: small enough for a 2-core machine. */
export const SYNTH_DEFAULTS = { subjects: 12, sessions: 2, frames: 48, tr: 0.8, seed: 1 } as const;

export interface SynthRunInfo {
  subject: string;
  session: string;
  task: string;
  /** Path of the BOLD file. */
  file: string;
  frames: number;
  /** Task-state label per frame. */
  frameLabels: string[];
}

interface PlannedRun {
  participant: Participant;
  session: string;
  task: string;
  signals: RegionSignals;
  artefacts: Artefacts;
  rng: Random;
}

interface Plan {
  participants: Participant[];
  labels: LabelMap;
  mask: Uint8Array;
  noise: NoiseModel;
  settings: Required<Pick<SynthOptions, 'subjects' | 'sessions' | 'frames' | 'tr' | 'seed' | 'task' | 'evokedPercent' | 'fingerprintAmplitude'>> & {
    effects: EffectSizes;
  };
  runs: () => Generator<PlannedRun>;
  root: Random;
  /** Draws of the population (populationSeed; the cohort's own root by default). */
  population: Random;
  populationSeed: number | undefined;
}

async function plan(options: SynthOptions): Promise<Plan> {
  const settings = {
    subjects: options.subjects ?? SYNTH_DEFAULTS.subjects,
    sessions: options.sessions ?? SYNTH_DEFAULTS.sessions,
    frames: options.frames ?? SYNTH_DEFAULTS.frames,
    tr: options.tr ?? SYNTH_DEFAULTS.tr,
    seed: options.seed ?? SYNTH_DEFAULTS.seed,
    task: options.task ?? false,
    evokedPercent: options.evokedPercent ?? 0,
    fingerprintAmplitude: options.fingerprintAmplitude ?? 0,
    effects: { ...DEFAULT_EFFECTS, ...options.effects }
  };
  for (const key of ['subjects', 'sessions', 'frames'] as const) {
    if (!Number.isInteger(settings[key]) || settings[key] < 1)
      throw new DatasetError(`synth: ${key} must be a positive integer, got ${settings[key]}`);
  }
  if (settings.subjects < 2)
    throw new DatasetError('synth: at least 2 subjects are needed for balanced groups');
  for (const key of ['evokedPercent', 'fingerprintAmplitude'] as const)
    if (!(settings[key] >= 0)) throw new DatasetError(`synth: ${key} must be >= 0, got ${settings[key]}`);
  if (!(settings.tr > 0)) throw new DatasetError(`synth: tr must be positive seconds, got ${settings.tr}`);
  const assets = resolveSynthAssets({ atlas: options.atlas, mask: options.mask });
  const [atlasImage, maskImage] = await Promise.all([read(assets.atlas), read(assets.mask)]);
  const labels = labelMapOnGrid(atlasImage, MNI_2MM_LAS);
  if (labels.labels.length < 2)
    throw new DatasetError('synth: the atlas has fewer than 2 regions on the MNI 2 mm grid', {
      file: assets.atlas
    });
  const maskLabels = labelMapOnGrid(maskImage, MNI_2MM_LAS);
  const mask = Uint8Array.from(maskLabels.regionOf, r => (r >= 0 ? 1 : 0));
  if (!mask.some(v => v === 1))
    throw new DatasetError('synth: the brain mask is empty on the MNI 2 mm grid', { file: assets.mask });
  const root = new Random(settings.seed);
  if (options.populationSeed !== undefined && !Number.isInteger(options.populationSeed))
    throw new DatasetError(`synth: populationSeed must be an integer, got ${options.populationSeed}`);
  const population = options.populationSeed === undefined ? root : new Random(options.populationSeed);
  const model = createNetworkModel(labels.labels.length, settings.effects, population.fork('model'));
  const participants = designCohort(settings.subjects, root.fork('cohort'));
  const noise = { ...DEFAULT_NOISE, ...options.noise };
  const task = settings.task ? 'blocks' : 'rest';
  function* runs(): Generator<PlannedRun> {
    for (const participant of participants) {
      const loadings = subjectLoadings(model, participant, root.fork('subjects'));
      const own = settings.fingerprintAmplitude > 0 ? { scale: settings.fingerprintAmplitude, rng: root.fork(`amplitude-${participant.id}`) } : undefined;
      const gains = regionalGains(model, participant, own);
      for (let s = 1; s <= settings.sessions; s++) {
        const rng = root.fork(`run-${participant.id}-ses-${s}`);
        const signals = simulateRun(
          model,
          loadings,
          { frames: settings.frames, tr: settings.tr, task: settings.task, gains, evokedPercent: settings.evokedPercent },
          rng.fork('signals')
        );
        const artefacts = drawArtefacts(settings.frames, noise, rng.fork('artefacts'));
        yield { participant, session: `ses-${s}`, task, signals, artefacts, rng };
      }
    }
  }
  return { participants, labels, mask, noise, settings, runs, root, population, populationSeed: options.populationSeed };
}

export interface RegionSeriesRun {
  subject: string;
  session: string;
  /** series[r][t] in percent signal change: BOLD plus drift and spikes, as ROI means see them. */
  series: Float64Array[];
  frameLabels: string[];
}

/**
 * The cohort's regional signals without writing voxels (what the atlas ROI means of the written
 * runs carry, minus thermal noise): fast ground truth for baselines and tests.
 */
export async function synthRegionSeries(
  options: SynthOptions = {}
): Promise<{ participants: Participant[]; labels: number[]; runs: RegionSeriesRun[] }> {
  const p = await plan(options);
  const runs: RegionSeriesRun[] = [];
  for (const run of p.runs()) {
    checkAborted(options.signal, 'synth');
    const { bold, frames, evoked } = run.signals;
    const series = p.labels.labels.map((_, r) =>
      Float64Array.from(
        { length: frames },
        (_, t) =>
          p.noise.boldPercent * bold[r * frames + t] +
          run.artefacts.drift[t] +
          run.artefacts.spikes[t] +
          (evoked ? evoked[r * frames + t] : 0)
      )
    );
    runs.push({
      subject: run.participant.id,
      session: run.session,
      series,
      frameLabels: run.signals.frameLabels
    });
  }
  return { participants: p.participants, labels: p.labels.labels, runs };
}

function participantsTsv(participants: Participant[]): string {
  const rows = participants.map(p =>
    [p.id, p.sex, p.age.toFixed(1), String(p.diagnosis), p.phenotype.toFixed(1)].join('\t')
  );
  return ['participant_id\tsex\tage\tdiagnosis\tphenotype', ...rows].join('\n') + '\n';
}

function eventsTsv(events: TaskEvent[]): string {
  return (
    [
      'onset\tduration\ttrial_type',
      ...events.map(e => `${e.onset.toFixed(2)}\t${e.duration.toFixed(2)}\t${e.trialType}`)
    ].join('\n') + '\n'
  );
}

function checkOut(out: string, overwrite: boolean): void {
  if (fs.existsSync(out)) {
    if (!fs.statSync(out).isDirectory())
      throw new DatasetError('synth output exists and is not a folder', { file: out });
    if (fs.readdirSync(out).length > 0 && !overwrite) {
      throw new DatasetError('synth output folder is not empty', {
        file: out,
        hint: 'choose a new folder or pass --overwrite (which replaces the whole folder)'
      });
    }
  }
}

/**
 * Writes the synthetic BIDS cohort to `options.out` and returns its participants and runs.
 * `await ns.data.synth({ out: 'cohort', subjects: 12, seed: 1 })`.
 */
export async function synth(
  options: SynthWriteOptions
): Promise<{ root: string; participants: Participant[]; runs: SynthRunInfo[] }> {
  const root = path.resolve(options.out);
  checkOut(root, options.overwrite ?? false);
  const p = await plan(options);
  return replaceDirAtomic(root, building => writeCohort(p, options, root, building));
}

/** Writes every file of the cohort under `building`; returned paths are where they will be, under `root`. */
async function writeCohort(
  p: Plan,
  options: SynthWriteOptions,
  root: string,
  building: string
): Promise<{ root: string; participants: Participant[]; runs: SynthRunInfo[] }> {
  const { settings } = p;
  const layout = voxelLayout(p.mask, p.labels);
  const [nx, ny, nz] = MNI_2MM_LAS.shape;
  const volume = nx * ny * nz;
  const scratch = new Float32Array(layout.index.length);
  const total = settings.subjects * settings.sessions;
  const runs: SynthRunInfo[] = [];
  // Up to two writes in flight: gzip runs on the thread pool while the next run is synthesised.
  const pending: Promise<void>[] = [];
  let step = 0;
  try {
    for (const run of p.runs()) {
      checkAborted(options.signal, 'synth');
      const id = run.participant.id;
      const base = baselines(
        layout,
        p.labels.labels.length,
        {
          cohort: p.population.fork('baseline'),
          subject: p.root.fork(`baseline-${id}`),
          session: run.rng.fork('baseline')
        },
        settings.effects.fingerprint
      );
      const data = new Int16Array(volume * settings.frames);
      const thermal = run.rng.fork('thermal');
      for (let t = 0; t < settings.frames; t++) {
        renderFrame(
          data.subarray(t * volume, (t + 1) * volume),
          t,
          layout,
          base,
          run.signals,
          run.artefacts,
          p.noise,
          thermal,
          scratch
        );
      }
      const dir = path.join(building, id, run.session, 'func');
      const stem = `${id}_${run.session}_task-${run.task}_space-MNI152NLin6Asym_desc-preproc`;
      const file = path.join(dir, `${stem}_bold.nii.gz`);
      const image = createImage({
        data,
        shape: [nx, ny, nz, settings.frames],
        affine: MNI_2MM_LAS.affine,
        tr: settings.tr,
        qformCode: XformCode.MNI_152,
        sformCode: XformCode.MNI_152,
        descrip: `neurostorm synth seed ${settings.seed}`
      });
      if (pending.length >= 2) await pending.shift();
      fs.mkdirSync(dir, { recursive: true });
      const sidecar = {
        RepetitionTime: settings.tr,
        TaskName: run.task,
        SkullStripped: true,
        SpatialReference: 'MNI152NLin6Asym (FSL 2 mm grid, LAS)'
      };
      const written = Promise.all([
        write(file, image, { gzipLevel: options.gzipLevel ?? 6, gzipStrategy: 'rle' }),
        writeFileAtomic(path.join(dir, `${stem}_bold.json`), JSON.stringify(sidecar, null, 2) + '\n'),
        settings.task
          ? writeFileAtomic(
              path.join(dir, `${id}_${run.session}_task-${run.task}_events.tsv`),
              eventsTsv(run.signals.events)
            )
          : Promise.resolve()
      ]).then(() => undefined);
      // Marked handled now (a failure surfaces when it is awaited), so a write failing while the
      // next run renders is not an unhandled rejection.
      written.catch(() => undefined);
      pending.push(written);
      runs.push({
        subject: id,
        session: run.session,
        task: run.task,
        file: path.join(root, path.relative(building, file)),
        frames: settings.frames,
        frameLabels: run.signals.frameLabels
      });
      options.onProgress?.({
        label: 'synth',
        step: ++step,
        totalSteps: total,
        message: `${id} ${run.session}`
      });
    }
  } catch (err) {
    // Let the writes in flight finish before the caller removes the temp folder under them.
    await Promise.allSettled(pending);
    throw err;
  }
  await Promise.all(pending);
  await writeMetadata(building, p);
  return { root, participants: p.participants, runs };
}

async function writeMetadata(root: string, p: Plan): Promise<void> {
  const description = {
    Name: 'NeuroSTORM synthetic cohort',
    BIDSVersion: '1.9.0',
    DatasetType: 'derivative',
    GeneratedBy: [
      { Name: 'neurostorm synth', Version: packageVersion(), Description: `seed ${p.settings.seed}${p.populationSeed === undefined ? '' : `, population ${p.populationSeed}`}` }
    ]
  };
  const columns = {
    participant_id: { Description: 'subject label' },
    sex: { Description: 'ground truth; drives a connectivity effect', Levels: { M: 'male', F: 'female' } },
    age: { Description: 'ground truth; drives a connectivity effect', Units: 'years' },
    diagnosis: {
      Description: 'ground truth; drives a connectivity effect',
      Levels: { '0': 'control', '1': 'patient' }
    },
    phenotype: { Description: 'continuous score (mean 100, sd 15); drives a connectivity effect' }
  };
  const truth = {
    ...p.settings,
    noise: p.noise,
    regions: p.labels.labels.length,
    atlasLabels: p.labels.labels
  };
  await writeFileAtomic(
    path.join(root, 'dataset_description.json'),
    JSON.stringify(description, null, 2) + '\n'
  );
  await writeFileAtomic(path.join(root, 'participants.tsv'), participantsTsv(p.participants));
  await writeFileAtomic(path.join(root, 'participants.json'), JSON.stringify(columns, null, 2) + '\n');
  await writeFileAtomic(path.join(root, 'synth.json'), JSON.stringify(truth, null, 2) + '\n');
}
