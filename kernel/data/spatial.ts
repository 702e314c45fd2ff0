/**
 * Spatial step of preprocessing: from a run's own grid onto the model grid, which is FSL's MNI 2 mm
 * LAS grid (91x109x91) centre-cropped/padded to 96^3 (spec 6.1 step 4 crops 109 -> [6, 102); spec
 * 6.2 pads 91 with 3 + 2), written row-major (z fastest) as the cache and model expect.
 *
 * The mapping goes through the affines (world mm), so orientation is handled, not assumed:
 *  - identity: the run is already on the FSL grid (the no-resample path);
 *  - reorient: same voxel centres up to axis flips/permutations (e.g. fMRIPrep-style RAS on the
 *    same grid): an exact gather, no interpolation;
 *  - resample: anything else (fMRIPrep's 97x115x97 MNI152NLin2009cAsym grid, 3 mm data...):
 *    trilinear, zero outside the source field of view.
 */
import { axisCodes, voxelSizes } from '../nifti/affine';
import { NiftiTypedArray } from '../nifti/datatypes';
import { Grid, MNI_2MM_LAS, MODEL_EDGE, voxelMapping } from './grid';

const { floor, abs, round } = Math;

export interface SpatialPlan {
  kind: 'identity' | 'reorient' | 'resample';
  /** What the step does, for the cache header and the validator. */
  description: string;
  /** identity/reorient: source voxel index (x fastest) per model voxel (row-major), -1 outside. */
  index: Int32Array | null;
  /** resample: 8 source corner indices per model voxel. */
  corners: Int32Array | null;
  /** resample: 8 trilinear weights per model voxel (0 for corners outside the source). */
  weights: Float32Array | null;
}

/** Target-grid voxel of model voxel i along an axis of size n (centre crop or centre pad to 96). */
export function modelToTargetOffset(n: number): number {
  return n >= MODEL_EDGE ? (n - MODEL_EDGE) >> 1 : -Math.ceil((MODEL_EDGE - n) / 2);
}

function isExactMapping(m: number[][]): boolean {
  for (let i = 0; i < 3; i++) {
    let ones = 0;
    for (let j = 0; j < 3; j++) {
      const v = abs(m[i][j]);
      if (abs(v - 1) < 1e-6) ones++;
      else if (v > 1e-6) return false;
    }
    if (ones !== 1 || abs(m[i][3] - round(m[i][3])) > 1e-4) return false;
  }
  return true;
}

function describe(source: Grid, kind: SpatialPlan['kind'], target: Grid): string {
  const from = `${source.shape.join('x')} ${axisCodes(source.affine)} ${voxelSizes(source.affine)
    .map(z => z.toFixed(2))
    .join('x')} mm`;
  const to = `MNI 2 mm ${axisCodes(target.affine)} ${target.shape.join('x')}`;
  if (kind === 'identity') return `spatial: none (already on the ${to} grid)`;
  if (kind === 'reorient')
    return `spatial: reoriented ${from} onto the ${to} grid by exact axis flips/permutation (no interpolation)`;
  return `spatial: trilinear resampling of ${from} onto the ${to} grid through the affines`;
}

/** Which spatial path a grid takes, and its description, without building the plan. */
export function classifyGrid(
  source: Grid,
  target: Grid = MNI_2MM_LAS
): { kind: SpatialPlan['kind']; description: string } {
  const m = voxelMapping(target, source);
  const exact = isExactMapping(m);
  const identity =
    exact &&
    [0, 1, 2].every(i => [0, 1, 2, 3].every(j => abs(m[i][j] - (i === j ? 1 : 0)) < 1e-4)) &&
    source.shape.every((n, i) => n === target.shape[i]);
  const kind: SpatialPlan['kind'] = identity ? 'identity' : exact ? 'reorient' : 'resample';
  return { kind, description: describe(source, kind, target) };
}

/** Plans the mapping of every model voxel onto the source grid. */
export function planSpatial(source: Grid, target: Grid = MNI_2MM_LAS): SpatialPlan {
  const m = voxelMapping(target, source);
  const { kind, description } = classifyGrid(source, target);
  const off = target.shape.map(modelToTargetOffset);
  const [sx, sy, sz] = source.shape;
  const [tx, ty, tz] = target.shape;
  const e = MODEL_EDGE;
  const count = e * e * e;
  const index = kind === 'resample' ? null : new Int32Array(count).fill(-1);
  const corners = kind === 'resample' ? new Int32Array(count * 8) : null;
  const weights = kind === 'resample' ? new Float32Array(count * 8) : null;
  for (let i = 0, o = 0; i < e; i++) {
    const x = i + off[0];
    for (let j = 0; j < e; j++) {
      const y = j + off[1];
      for (let k = 0; k < e; k++, o++) {
        const z = k + off[2];
        if (x < 0 || y < 0 || z < 0 || x >= tx || y >= ty || z >= tz) continue;
        const u = m[0][0] * x + m[0][1] * y + m[0][2] * z + m[0][3];
        const v = m[1][0] * x + m[1][1] * y + m[1][2] * z + m[1][3];
        const w = m[2][0] * x + m[2][1] * y + m[2][2] * z + m[2][3];
        if (index) {
          const a = round(u);
          const b = round(v);
          const c = round(w);
          if (a >= 0 && b >= 0 && c >= 0 && a < sx && b < sy && c < sz) index[o] = a + sx * (b + sy * c);
          continue;
        }
        const a0 = floor(u);
        const b0 = floor(v);
        const c0 = floor(w);
        const fa = u - a0;
        const fb = v - b0;
        const fc = w - c0;
        for (let n = 0; n < 8; n++) {
          const a = a0 + (n & 1);
          const b = b0 + ((n >> 1) & 1);
          const c = c0 + ((n >> 2) & 1);
          const inside = a >= 0 && b >= 0 && c >= 0 && a < sx && b < sy && c < sz;
          (corners as Int32Array)[o * 8 + n] = inside ? a + sx * (b + sy * c) : 0;
          (weights as Float32Array)[o * 8 + n] = inside
            ? (n & 1 ? fa : 1 - fa) * ((n >> 1) & 1 ? fb : 1 - fb) * ((n >> 2) & 1 ? fc : 1 - fc)
            : 0;
        }
      }
    }
  }
  return { kind, description, index, corners, weights };
}

/**
 * Writes one source frame onto the model grid: `out[o]` (row-major 96^3) from `raw` values
 * `frameStart + index` scaled by slope/inter. Voxels outside the source are 0 (background).
 */
export function applySpatial(
  plan: SpatialPlan,
  raw: NiftiTypedArray,
  frameStart: number,
  slope: number,
  inter: number,
  out: Float32Array
): void {
  const n = out.length;
  if (plan.index) {
    // A plain output-order gather measured faster than cache tiling here (hardware prefetch).
    const index = plan.index;
    for (let o = 0; o < n; o++) {
      const s = index[o];
      out[o] = s < 0 ? 0 : raw[frameStart + s] * slope + inter;
    }
    return;
  }
  const corners = plan.corners as Int32Array;
  const weights = plan.weights as Float32Array;
  for (let o = 0, p = 0; o < n; o++, p += 8) {
    let acc = 0;
    let wsum = 0;
    for (let c = 0; c < 8; c++) {
      const w = weights[p + c];
      if (w !== 0) {
        acc += w * raw[frameStart + corners[p + c]];
        wsum += w;
      }
    }
    // Scaling is affine, so it commutes with interpolation; outside corners contribute zeros.
    out[o] = wsum === 0 ? 0 : acc * slope + inter * wsum;
  }
}
