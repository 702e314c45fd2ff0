/**
 * Display payload types shared by the kernel (which builds them) and the JupyterLab extension
 * (which renders them). Types only: no runtime code, so `src/` may import it (design.md, layering).
 *
 * Every output that carries one of these MIME types also carries `text/plain` and `image/png`
 * fallbacks, so notebooks show something outside JupyterLab.
 */

export const VOLUME_MIME = 'application/vnd.neurostorm.volume+json';
export const PLOT_MIME = 'application/vnd.neurostorm.plot+json';
export const PROGRESS_MIME = 'application/vnd.neurostorm.progress+json';

export type NeuroStormMime = typeof VOLUME_MIME | typeof PLOT_MIME | typeof PROGRESS_MIME;

/** Version of the payload schemas; a renderer refuses payloads of a version it does not know. */
export const PAYLOAD_VERSION = 1;

// ---------------------------------------------------------------- volumes

/** Where a layer's voxels come from: a gzipped NIfTI embedded as base64, or a file served by Jupyter. */
export type VolumeSource =
  | { kind: 'embedded'; format: 'nifti-gz-base64'; data: string; bytes: number }
  | {
      kind: 'path';
      /** Path relative to the notebook's directory, fetched through the Jupyter server's files endpoint. */
      path: string;
      bytes: number;
    };

export type LayerRole = 'base' | 'mask' | 'atlas' | 'overlay';

export interface VolumeLayer {
  name: string;
  role: LayerRole;
  source: VolumeSource;
  /** A downsampled embedded copy shown while (or instead of) loading a `path` source. */
  preview?: VolumeSource & { kind: 'embedded' };
  colormap: string;
  opacity: number;
  /** Display window (cal_min/cal_max); null lets the viewer choose robust percentiles. */
  window: { min: number; max: number } | null;
  /** For atlases: label value -> region name, used by the crosshair readout. */
  labels?: Record<string, string>;
}

export interface VolumePayload {
  version: typeof PAYLOAD_VERSION;
  title: string;
  /** The first layer is the base image; the rest are drawn over it in order. */
  layers: VolumeLayer[];
  /** Base image shape as stored (x, y, z[, t]). */
  shape: number[];
  /** Voxel-to-MNI-millimetre affine of the base image, 4x4 rows. */
  affine: number[][];
  /** Repetition time in seconds for 4D images, else null. */
  tr: number | null;
  /** Frame shown first. */
  frame: number;
  view: 'multiplanar' | 'axial' | 'coronal' | 'sagittal' | 'render';
}

// ---------------------------------------------------------------- plots

export interface RocCurve {
  label: string;
  fpr: number[];
  tpr: number[];
  auc: number;
}

export interface Series {
  name: string;
  x: number[];
  /** null marks a gap: JSON cannot carry NaN, so a diverged loss arrives as null and is drawn as a break. */
  y: (number | null)[];
}

export type PlotSpec =
  | { kind: 'roc'; curves: RocCurve[] }
  | { kind: 'confusion'; labels: string[]; matrix: number[][]; normalized: boolean }
  | { kind: 'scatter'; x: number[]; y: number[]; r: number; xLabel: string; yLabel: string; pointLabels?: string[] }
  | { kind: 'training'; series: Series[]; xLabel: string; yLabel: string }
  | { kind: 'rank'; curves: { label: string; rank: number[]; accuracy: number[] }[] }
  | { kind: 'distribution'; variable: string; groups: { name: string; values: number[] }[] };

export type PlotKind = PlotSpec['kind'];

export interface PlotPayload {
  version: typeof PAYLOAD_VERSION;
  title: string;
  plot: PlotSpec;
}

// ---------------------------------------------------------------- progress

export interface ProgressPayload {
  version: typeof PAYLOAD_VERSION;
  label: string;
  state: 'running' | 'done' | 'error' | 'interrupted';
  step: number;
  totalSteps: number | null;
  epoch: number | null;
  totalEpochs: number | null;
  elapsedSeconds: number;
  etaSeconds: number | null;
  /** Latest metric values, e.g. { loss: 0.41, valid_auroc: 0.83 }; null for a non-finite value (JSON has no NaN). */
  metrics: Record<string, number | null>;
  message?: string;
}

export type NeuroStormPayload = VolumePayload | PlotPayload | ProgressPayload;
