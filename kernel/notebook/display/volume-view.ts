/**
 * `ns.view(volume, options)`: a volume (and layers over it) as a displayable bundle — the volume
 * payload for the JupyterLab viewer (niivue), a PNG montage of mid-slices, and a text line.
 *
 *   await ns.view('sub-01_bold.nii.gz', { frame: 3, overlays: [{ image: 'mask.nii.gz', role: 'mask' }] })
 */
import { PayloadError } from '../../errors';
import { labelNamesBeside } from '../../data/atlas';
import { encodeNiftiGz, NiftiImage, read as readNifti } from '../../nifti';
import { Displayable, MIME_BUNDLE } from './display';
import { LayerRole, PAYLOAD_VERSION, VOLUME_MIME, VolumeLayer, VolumePayload } from './payload-types';
import { checkedPayload } from './payload-check';
import { encodePng } from './png';
import { gridOf, sameGrid } from '../../data/grid';
import { onBaseGrid } from './on-grid';
import { MontageLayer, renderMontage, robustWindow } from './raster/volume-montage';
import { displaySettings } from './settings';
import { downsample, embedded, servedPath } from './volume-source';
import { MimeBundle } from '../../verbs/jupyter/wire';

export type VolumeInput = NiftiImage | string;

export interface LayerOptions {
  image: VolumeInput;
  role?: Exclude<LayerRole, 'base'>;
  name?: string;
  colormap?: string;
  opacity?: number;
  window?: { min: number; max: number } | null;
  labels?: Record<string, string>;
}

export interface ViewOptions {
  title?: string;
  colormap?: string;
  /** Display window of the base image; null (default) lets the viewer pick robust percentiles. */
  window?: { min: number; max: number } | null;
  /** Frame of a 4D image shown first (default 0). */
  frame?: number;
  view?: VolumePayload['view'];
  overlays?: LayerOptions[];
  /** Embedded-size cap for this call; default the session setting (schema default 4 MiB). */
  maxEmbeddedBytes?: number;
  /** The notebook's folder, which paths are relative to (default: the kernel's working directory). */
  notebookDir?: string;
}

/** Previews are at most this many voxels per layer (about 256 KiB as float32 before gzip). */
const PREVIEW_VOXELS = 64 * 1024;

async function load(input: VolumeInput): Promise<NiftiImage> {
  return typeof input === 'string' ? readNifti(input) : input;
}

function nameOf(input: VolumeInput, image: NiftiImage, fallback: string): string {
  const file = typeof input === 'string' ? input : image.file;
  return file ? (file.split(/[\\/]/).pop() ?? fallback) : fallback;
}

export class VolumeView implements Displayable {
  constructor(
    readonly payload: VolumePayload,
    private readonly montage: Buffer,
    private readonly summary: string
  ) {}

  [MIME_BUNDLE](): MimeBundle {
    return {
      data: {
        [VOLUME_MIME]: this.payload,
        'image/png': this.montage.toString('base64'),
        'text/plain': this.summary
      },
      metadata: {}
    };
  }
}

async function layerFor(
  image: NiftiImage,
  base: Omit<VolumeLayer, 'source' | 'preview'>,
  frame: number,
  budget: { left: number },
  cwd: string
): Promise<VolumeLayer> {
  const rawBytes = image.raw.byteLength;
  // Gzip only what could fit: float data rarely compresses 8x, so larger ones go by path unmeasured.
  if (rawBytes <= budget.left * 8) {
    const gz = await encodeNiftiGz(image);
    if (gz.length <= budget.left) {
      budget.left -= gz.length;
      return { ...base, source: embedded(gz) };
    }
  }
  const served = await servedPath(image, cwd);
  const preview = embedded(await encodeNiftiGz(downsample(image, frame, PREVIEW_VOXELS)));
  budget.left = Math.max(0, budget.left - preview.bytes);
  return { ...base, source: { kind: 'path', path: served.path, bytes: served.bytes }, preview };
}

/** Builds the displayable view of `volume` (path or image) with optional overlays. */
export async function view(volume: VolumeInput, options: ViewOptions = {}): Promise<VolumeView> {
  const base = await load(volume);
  const frames = base.shape.length > 3 ? base.shape.slice(3).reduce((a, b) => a * b, 1) : 1;
  const frame = options.frame ?? 0;
  if (!Number.isInteger(frame) || frame < 0 || frame >= frames) {
    throw new PayloadError(`frame ${frame} is outside the image's ${frames} frame(s)`, {
      file: base.file ?? undefined
    });
  }
  const cwd = options.notebookDir ?? process.cwd();
  const budget = { left: options.maxEmbeddedBytes ?? displaySettings().maxEmbeddedBytes };
  const title = options.title ?? nameOf(volume, base, 'volume');
  const layers: VolumeLayer[] = [];
  const montageLayers: MontageLayer[] = [];
  const voxels = base.shape.slice(0, 3).reduce((a, b) => a * b, 1);
  const baseData = base.data();
  const window = options.window ?? null;
  layers.push(
    await layerFor(
      base,
      { name: title, role: 'base', colormap: options.colormap ?? 'gray', opacity: 1, window },
      frame,
      budget,
      cwd
    )
  );
  montageLayers.push({
    data: baseData,
    role: 'base',
    colormap: options.colormap ?? 'gray',
    opacity: 1,
    window: window ?? robustWindow(baseData, frame * voxels, (frame + 1) * voxels)
  });
  const resampled: string[] = [];
  for (const [i, o] of (options.overlays ?? []).entries()) {
    const image = await load(o.image);
    const role = o.role ?? 'overlay';
    const colormap = o.colormap ?? (role === 'overlay' ? 'hot' : role === 'mask' ? 'red' : 'gray');
    const opacity = o.opacity ?? (role === 'overlay' ? 0.7 : 0.4);
    const name = o.name ?? nameOf(o.image, image, `layer ${i + 1}`);
    // An atlas file with a name table beside it (the embedded Schaefer atlas) shows region names.
    const labels = o.labels ?? (role === 'atlas' && typeof o.image === 'string' ? labelNamesBeside(o.image) : null);
    const layer = await layerFor(
      image,
      { name, role, colormap, opacity, window: o.window ?? null, ...(labels ? { labels } : {}) },
      0,
      budget,
      cwd
    );
    layers.push(layer);
    // The PNG shows every layer on the base grid; the interactive viewer resamples on its own.
    let data = image.data();
    if (!sameGrid(gridOf(base), gridOf(image))) {
      resampled.push(name);
      data = onBaseGrid(image, base, 0, role === 'overlay' ? 'linear' : 'nearest');
    }
    const w = o.window ?? (role === 'overlay' ? robustWindow(data, 0, voxels) : { min: 0, max: 1 });
    montageLayers.push({ data, role, colormap, opacity, window: role === 'mask' ? { min: 0, max: 1 } : w });
  }
  const canvas = renderMontage({ title, shape: base.shape, affine: base.affine, frame, layers: montageLayers });
  const payload: VolumePayload = {
    version: PAYLOAD_VERSION,
    title,
    layers,
    shape: [...base.shape],
    affine: base.affine.map(r => [...r]),
    tr: base.tr,
    frame,
    view: options.view ?? 'multiplanar'
  };
  checkedPayload(VOLUME_MIME, payload, 'check the layers, window and frame given to ns.view');
  const where = layers.map(
    l =>
      `${l.name}: ${l.source.kind === 'embedded' ? `embedded ${l.source.bytes} B` : `${l.source.path} (${l.source.bytes} B, preview embedded)`}`
  );
  const summary = [
    `Volume "${title}": ${base.shape.join('x')}${base.tr ? `, TR ${base.tr} s` : ''}, frame ${frame}`,
    ...where.map(w => `  ${w}`),
    ...(resampled.length ? [`  resampled onto the base grid for the PNG: ${resampled.join(', ')}`] : [])
  ].join('\n');
  return new VolumeView(payload, encodePng(canvas.toImage()), summary);
}
