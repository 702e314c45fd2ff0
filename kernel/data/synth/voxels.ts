/**
 * Renders regional BOLD into a 4D volume on the MNI 2 mm grid: per-voxel baseline intensity,
 * percent signal change from the voxel's region, slow scanner drift, motion spikes (a global jump
 * with a spatial gradient, as a head movement gives) and thermal noise; zero outside the brain, as
 * FSL-preprocessed data are. Values are int16 (scl_slope 1).
 */
import { Random } from '../../random';
import { LabelMap } from '../atlas';
import { RegionSignals } from './network';

const { cos, floor, PI } = Math;

/** Run-level artefacts in percent signal change. */
export interface Artefacts {
  /** Global drift per frame (linear trend + one slow cosine). */
  drift: Float64Array;
  /** Global motion spike amplitude per frame (0 on most frames). */
  spikes: Float64Array;
  /** Which axis (0..2) the spike gradient runs along. */
  spikeAxis: number;
}

export interface NoiseModel {
  /** BOLD amplitude: percent signal change per unit of standardised regional BOLD. Default 1. */
  boldPercent: number;
  /** Thermal noise sd in percent of the voxel baseline. Default 2. */
  thermalPercent: number;
  /** Drift amplitude sd in percent. Default 0.5. */
  driftPercent: number;
  /** Expected motion spikes per run. Default 2. */
  spikesPerRun: number;
  /** Spike amplitude in percent. Default 2. */
  spikePercent: number;
}

export const DEFAULT_NOISE: NoiseModel = {
  boldPercent: 1,
  thermalPercent: 2,
  driftPercent: 0.5,
  spikesPerRun: 2,
  spikePercent: 2
};

/** Draws one run's drift and spikes. */
export function drawArtefacts(frames: number, noise: NoiseModel, rng: Random): Artefacts {
  const slope = noise.driftPercent * rng.normal();
  const wave = noise.driftPercent * rng.normal();
  const phase = 2 * PI * rng.uniform();
  const drift = new Float64Array(frames);
  for (let t = 0; t < frames; t++)
    drift[t] = slope * (t / Math.max(1, frames - 1) - 0.5) + wave * cos((2 * PI * t) / frames + phase);
  const spikes = new Float64Array(frames);
  const p = Math.min(1, noise.spikesPerRun / Math.max(1, frames));
  for (let t = 0; t < frames; t++)
    if (rng.uniform() < p)
      spikes[t] = noise.spikePercent * (rng.uniform() < 0.5 ? -1 : 1) * (0.5 + rng.uniform());
  return { drift, spikes, spikeAxis: rng.int(3) };
}

/** Brain voxels of the grid with their region and baseline intensity (fixed per subject). */
export interface VoxelLayout {
  /** Linear voxel index (x fastest) of each brain voxel. */
  index: Int32Array;
  /** Region of each brain voxel, or -1 (brain but no atlas label: follows the global signal). */
  region: Int32Array;
  /** Position along each axis in [-1, 1] (for the motion gradient), 3 per voxel. */
  position: Float32Array;
}

export function voxelLayout(mask: Uint8Array, labels: LabelMap): VoxelLayout {
  const [nx, ny, nz] = labels.grid.shape;
  const index: number[] = [];
  for (let v = 0; v < mask.length; v++) if (mask[v]) index.push(v);
  const position = new Float32Array(index.length * 3);
  index.forEach((v, i) => {
    const x = v % nx;
    const y = floor(v / nx) % ny;
    const z = floor(v / (nx * ny));
    position[3 * i] = (2 * x) / (nx - 1) - 1;
    position[3 * i + 1] = (2 * y) / (ny - 1) - 1;
    position[3 * i + 2] = (2 * z) / (nz - 1) - 1;
  });
  return { index: Int32Array.from(index), region: Int32Array.from(index, v => labels.regionOf[v]), position };
}

/** Random streams of the three levels a voxel's baseline intensity varies at. */
export interface BaselineStreams {
  cohort: Random;
  subject: Random;
  session: Random;
}

/**
 * Baseline intensity per brain voxel, ~1000: a cohort-wide anatomy pattern (8% between regions, 5%
 * between voxels), a subject-specific part scaled by the fingerprint effect (so with every effect 0
 * no subject is identifiable from intensities either), and 0.5% session-to-session jitter.
 */
export function baselines(layout: VoxelLayout, regions: number, streams: BaselineStreams, fingerprint: number): Float32Array {
  const level = (rng: Random, sd: number) => Float64Array.from({ length: regions + 1 }, () => sd * rng.normal());
  const cohortRegion = level(streams.cohort, 0.08);
  const subjectRegion = level(streams.subject, 0.08 * fingerprint);
  const out = new Float32Array(layout.region.length);
  for (let i = 0; i < out.length; i++) {
    const r = layout.region[i] < 0 ? regions : layout.region[i];
    const relative =
      1 +
      cohortRegion[r] +
      0.05 * streams.cohort.normal() +
      subjectRegion[r] +
      0.05 * fingerprint * streams.subject.normal() +
      0.005 * streams.session.normal();
    out[i] = 1000 * relative;
  }
  return out;
}

/**
 * Fills `out` (one 3D frame, x fastest, zeros outside the brain left untouched) with frame `t`.
 * `noise` is scratch space of one value per brain voxel.
 */
export function renderFrame(
  out: Int16Array,
  t: number,
  layout: VoxelLayout,
  base: Float32Array,
  signals: RegionSignals,
  artefacts: Artefacts,
  model: NoiseModel,
  rng: Random,
  noise: Float32Array
): void {
  const frames = signals.frames;
  const regions = signals.bold.length / frames;
  // Per-region multiplicative factor for this frame; the last slot is the unlabelled brain.
  const factor = new Float64Array(regions + 1);
  const common = artefacts.drift[t] + artefacts.spikes[t];
  const evoked = signals.evoked;
  for (let r = 0; r < regions; r++)
    factor[r] = 0.01 * (model.boldPercent * signals.bold[r * frames + t] + common + (evoked ? evoked[r * frames + t] : 0));
  factor[regions] = 0.01 * (model.boldPercent * signals.globalBold[t] + common);
  const spike = 0.01 * artefacts.spikes[t];
  const axis = artefacts.spikeAxis;
  rng.fillNormal(noise, 0.01 * model.thermalPercent);
  const { index, region, position } = layout;
  for (let i = 0; i < index.length; i++) {
    const r = region[i];
    const b = base[i];
    const f = factor[r < 0 ? regions : r] + spike * position[3 * i + axis];
    const v = b * (1 + f + noise[i]);
    out[index[i]] = v > 32767 ? 32767 : v < 0 ? 0 : (v + 0.5) | 0;
  }
}
