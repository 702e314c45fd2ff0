/**
 * The PNG fallback of a volume, laid out as nilearn's ortho view: sagittal, coronal and axial
 * slices through one point of one frame, side by side, overlays blended on top. Panels are drawn in
 * world space (RAS mm through the base affine), so orientation is the same whatever the storage
 * order: left of the brain on the left (L/R marked), anterior to the right (sagittal) and up
 * (axial), superior up. Each panel is labelled with its cut in mm (`x=-2`, `y=-18`, `z=18`).
 * Every layer must already be on the base grid (volume-view.ts resamples overlays onto it).
 */
import { Affine, identityAffine, invertAffine } from '../../../nifti/affine';
import { BLACK, Canvas, Rgb, WHITE } from './canvas';
import { categorical, colormapLut } from './colormap';

export interface MontageLayer {
  /** Values in file order (x fastest). */
  data: Float32Array;
  role: 'base' | 'mask' | 'atlas' | 'overlay';
  colormap: string;
  opacity: number;
  window: { min: number; max: number };
}

export interface MontageInput {
  title: string;
  /** x, y, z[, t] of the base grid, which every layer is on. */
  shape: number[];
  /** Voxel-to-world of the base grid (4x4 rows, mm); default: identity. */
  affine?: Affine;
  frame: number;
  layers: MontageLayer[];
}

/** A robust display window: the 2nd and 98th percentiles of (a sample of) the finite values. */
export function robustWindow(
  values: Float32Array,
  start = 0,
  end = values.length
): { min: number; max: number } {
  const step = Math.max(1, Math.floor((end - start) / 200_000));
  const sample: number[] = [];
  for (let i = start; i < end; i += step) if (Number.isFinite(values[i])) sample.push(values[i]);
  if (!sample.length) return { min: 0, max: 1 };
  sample.sort((a, b) => a - b);
  const at = (q: number) => sample[Math.min(sample.length - 1, Math.floor(q * (sample.length - 1)))];
  const min = at(0.02);
  const max = at(0.98);
  return max > min
    ? { min, max }
    : {
        min: sample[0],
        max: sample[sample.length - 1] > sample[0] ? sample[sample.length - 1] : sample[0] + 1
      };
}

/** A panel: which world axes run across (h, left to right) and up (v), and which one is cut. */
type Plane = { name: 'x' | 'y' | 'z'; h: 0 | 1 | 2; v: 0 | 1 | 2; fixed: 0 | 1 | 2; marks: boolean };
const PLANES: Plane[] = [
  // Sagittal: posterior left, anterior right. Coronal and axial: the subject's left on the left.
  { name: 'x', h: 1, v: 2, fixed: 0, marks: false },
  { name: 'y', h: 0, v: 2, fixed: 1, marks: true },
  { name: 'z', h: 0, v: 1, fixed: 2, marks: true }
];

const PANEL = 200;
const LABEL = 14;
const TITLE = 20;

function blend(dst: Rgb, src: Rgb, alpha: number): Rgb {
  const mix = (i: number) => Math.round(dst[i] + (src[i] - dst[i]) * alpha);
  return [mix(0), mix(1), mix(2)];
}

function apply(m: Affine, p: readonly number[]): number[] {
  return [0, 1, 2].map(r => m[r][0] * p[0] + m[r][1] * p[1] + m[r][2] * p[2] + m[r][3]);
}

/** World (mm) bounding box of a grid: its voxels' outer faces through the affine. */
function worldBox(affine: Affine, n: number[]): { lo: number[]; hi: number[] } {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let c = 0; c < 8; c++) {
    const corner = [0, 1, 2].map(i => ((c >> i) & 1 ? n[i] - 0.5 : -0.5));
    apply(affine, corner).forEach((v, i) => {
      lo[i] = Math.min(lo[i], v);
      hi[i] = Math.max(hi[i], v);
    });
  }
  return { lo, hi };
}

/** The cut label nilearn prints: the world coordinate in whole mm. */
function cutLabel(name: string, mm: number): string {
  const v = Math.round(mm);
  return `${name}=${v === 0 ? 0 : v}`;
}

/** The world point (mm) the three panels cut through: the grid's middle voxel, as nilearn cuts through a point. */
function cutPoint(input: MontageInput): number[] {
  const n = [input.shape[0] ?? 1, input.shape[1] ?? 1, input.shape[2] ?? 1];
  return apply(input.affine ?? identityAffine(), n.map(d => Math.floor(d / 2)));
}

/** The labels under the sagittal, coronal and axial panels, e.g. ["x=-2", "y=-18", "z=18"]. */
export function montageLabels(input: MontageInput): string[] {
  const cut = cutPoint(input);
  return PLANES.map(p => cutLabel(p.name, cut[p.fixed]) + (input.shape.length > 3 ? ` t=${input.frame}` : ''));
}

export function renderMontage(input: MontageInput): Canvas {
  const n = [input.shape[0] ?? 1, input.shape[1] ?? 1, input.shape[2] ?? 1];
  const [nx, ny, nz] = n;
  const affine = input.affine ?? identityAffine();
  const toVoxel = invertAffine(affine);
  const frameOffset = input.frame * nx * ny * nz;
  const cut = cutPoint(input);
  const labels = montageLabels(input);
  const box = worldBox(affine, n);
  const extent = [0, 1, 2].map(i => box.hi[i] - box.lo[i]);
  // One scale for all panels (mm -> pixels) so the three views share a physical size.
  const scale = PANEL / Math.max(...extent);
  const widths = PLANES.map(p => Math.max(1, Math.round(extent[p.h] * scale)));
  const heights = PLANES.map(p => Math.max(1, Math.round(extent[p.v] * scale)));
  const canvas = new Canvas(
    widths.reduce((a, b) => a + b, 0) + 4 * 4,
    Math.max(...heights) + TITLE + LABEL + 6,
    BLACK
  );
  canvas.text(
    4,
    6,
    input.title.length > canvas.width / 6 - 2
      ? input.title.slice(0, Math.floor(canvas.width / 6) - 3) + '~'
      : input.title,
    WHITE
  );
  const luts = input.layers.map(l => colormapLut(l.colormap));
  const colorAt = (voxel: number): Rgb => {
    let color: Rgb = BLACK;
    input.layers.forEach((layer, li) => {
      // A 3D layer over a 4D base shows the same volume at every frame.
      const v = layer.data[(layer.data.length > frameOffset + voxel ? frameOffset : 0) + voxel];
      if (!Number.isFinite(v)) return;
      const t = Math.max(0, Math.min(1, (v - layer.window.min) / (layer.window.max - layer.window.min || 1)));
      const k = Math.round(t * 255) * 3;
      if (layer.role === 'base') color = [luts[li][k], luts[li][k + 1], luts[li][k + 2]];
      else if (layer.role === 'atlas') {
        if (v !== 0) color = blend(color, categorical(Math.round(v)), layer.opacity);
      } else if (v > layer.window.min) {
        const c: Rgb = layer.role === 'mask' ? [255, 60, 60] : [luts[li][k], luts[li][k + 1], luts[li][k + 2]];
        color = blend(color, c, layer.opacity);
      }
    });
    return color;
  };
  let left = 4;
  const bottom = TITLE + Math.max(...heights);
  PLANES.forEach((plane, pi) => {
    const w = widths[pi];
    const h = heights[pi];
    const top = bottom - h;
    const world = [...cut];
    for (let py = 0; py < h; py++) {
      world[plane.v] = box.hi[plane.v] - ((py + 0.5) / h) * extent[plane.v];
      for (let px = 0; px < w; px++) {
        world[plane.h] = box.lo[plane.h] + ((px + 0.5) / w) * extent[plane.h];
        const [i, j, k] = apply(toVoxel, world).map(Math.round);
        if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) continue;
        canvas.setPixel(left + px, top + py, colorAt(i + nx * (j + ny * k)));
      }
    }
    if (plane.marks) {
      canvas.text(left + 2, top + 2, 'L', WHITE);
      canvas.text(left + w - 2, top + 2, 'R', WHITE, 'right');
    }
    canvas.text(left + w / 2, bottom + 4, labels[pi], WHITE, 'center');
    left += w + 4;
  });
  return canvas;
}
