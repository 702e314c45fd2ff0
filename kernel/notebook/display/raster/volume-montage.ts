/**
 * The PNG fallback of a volume: sagittal, coronal and axial mid-slices of one frame side by side,
 * through a colormap, overlays blended on top. Slices are shown in voxel axes as stored (first
 * index to the right, higher indices up), scaled by the voxel sizes so anisotropic voxels keep
 * their proportions; each panel is labelled with its slice index.
 */
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
  /** x, y, z[, t] of every layer (overlays on another grid are left out by the caller). */
  shape: number[];
  /** Voxel sizes in mm (x, y, z). */
  zooms: number[];
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

type Plane = { name: string; h: 0 | 1 | 2; v: 0 | 1 | 2; fixed: 0 | 1 | 2 };
const PLANES: Plane[] = [
  { name: 'x', h: 1, v: 2, fixed: 0 },
  { name: 'y', h: 0, v: 2, fixed: 1 },
  { name: 'z', h: 0, v: 1, fixed: 2 }
];

const PANEL = 200;
const LABEL = 14;
const TITLE = 20;

function blend(dst: Rgb, src: Rgb, alpha: number): Rgb {
  const mix = (i: number) => Math.round(dst[i] + (src[i] - dst[i]) * alpha);
  return [mix(0), mix(1), mix(2)];
}

export function renderMontage(input: MontageInput): Canvas {
  const [nx, ny, nz] = [input.shape[0] ?? 1, input.shape[1] ?? 1, input.shape[2] ?? 1];
  const n = [nx, ny, nz];
  const zooms = [0, 1, 2].map(i =>
    input.zooms[i] > 0 && Number.isFinite(input.zooms[i]) ? input.zooms[i] : 1
  );
  const frameOffset = input.frame * nx * ny * nz;
  const mid = n.map(d => Math.floor(d / 2));
  // One scale for all panels (mm -> pixels) so the three views share a physical size.
  const mm = [0, 1, 2].map(i => n[i] * zooms[i]);
  const scale = PANEL / Math.max(...mm);
  const widths = PLANES.map(p => Math.max(1, Math.round(mm[p.h] * scale)));
  const heights = PLANES.map(p => Math.max(1, Math.round(mm[p.v] * scale)));
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
  let left = 4;
  PLANES.forEach((plane, pi) => {
    const w = widths[pi];
    const h = heights[pi];
    for (let py = 0; py < h; py++) {
      for (let px = 0; px < w; px++) {
        const idx = [0, 0, 0];
        idx[plane.fixed] = mid[plane.fixed];
        idx[plane.h] = Math.min(n[plane.h] - 1, Math.floor((px / w) * n[plane.h]));
        idx[plane.v] = Math.min(n[plane.v] - 1, Math.floor(((h - 1 - py) / h) * n[plane.v]));
        const voxel = idx[0] + nx * (idx[1] + ny * idx[2]);
        let color: Rgb = BLACK;
        input.layers.forEach((layer, li) => {
          // A 3D layer over a 4D base shows the same volume at every frame.
          const v = layer.data[(layer.data.length > frameOffset + voxel ? frameOffset : 0) + voxel];
          if (!Number.isFinite(v)) return;
          if (layer.role === 'base') {
            const t = Math.max(
              0,
              Math.min(1, (v - layer.window.min) / (layer.window.max - layer.window.min || 1))
            );
            const k = Math.round(t * 255) * 3;
            color = [luts[li][k], luts[li][k + 1], luts[li][k + 2]];
          } else if (layer.role === 'atlas') {
            if (v !== 0) color = blend(color, categorical(Math.round(v)), layer.opacity);
          } else if (v > layer.window.min) {
            const t = Math.max(
              0,
              Math.min(1, (v - layer.window.min) / (layer.window.max - layer.window.min || 1))
            );
            const k = Math.round(t * 255) * 3;
            color = blend(
              color,
              layer.role === 'mask' ? [255, 60, 60] : [luts[li][k], luts[li][k + 1], luts[li][k + 2]],
              layer.opacity
            );
          }
        });
        canvas.setPixel(left + px, TITLE + py, color);
      }
    }
    const label = `${plane.name}=${mid[plane.fixed]}${input.shape.length > 3 ? ` t=${input.frame}` : ''}`;
    canvas.text(left + w / 2, TITLE + Math.max(...heights) + 4, label, WHITE, 'center');
    left += w + 4;
  });
  return canvas;
}
