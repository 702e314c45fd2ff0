/**
 * Voxel-to-world affines (4x4, rows, millimetres) from NIfTI headers, and back.
 *
 * Precedence follows the NIfTI-1 standard as nibabel applies it: sform when sform_code > 0, else
 * qform when qform_code > 0, else the Analyze-style fallback (x flipped, origin at the centre or at
 * the SPM originator).
 */
import { NiftiHeader, headerShape } from './header';

export type Affine = number[][];

export function identityAffine(): Affine {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1]
  ];
}

/** Rotation matrix of the unit quaternion (a, b, c, d) (a the scalar part). */
function quaternionToMatrix(a: number, b: number, c: number, d: number): number[][] {
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b]
  ];
}

/** The qform affine: quaternion rotation, pixdim scaling with qfac on z, qoffset translation. */
export function qformAffine(h: NiftiHeader): Affine {
  const b = h.quaternB;
  const c = h.quaternC;
  const d = h.quaternD;
  const a2 = 1 - (b * b + c * c + d * d);
  // nifti1.h: a = sqrt(1 - b^2 - c^2 - d^2); rounding can make the radicand slightly negative.
  const a = a2 > 0 ? Math.sqrt(a2) : 0;
  let r = quaternionToMatrix(a, b, c, d);
  if (a2 < 0) {
    // Renormalise the (b, c, d) part so the rotation stays orthonormal (nifti1_io does the same).
    const n = Math.sqrt(b * b + c * c + d * d);
    r = quaternionToMatrix(0, b / n, c / n, d / n);
  }
  const qfac = h.pixdim[0] < 0 ? -1 : 1;
  const zooms = [Math.abs(h.pixdim[1]), Math.abs(h.pixdim[2]), Math.abs(h.pixdim[3]) * qfac];
  const offsets = [h.qoffsetX, h.qoffsetY, h.qoffsetZ];
  return [
    ...[0, 1, 2].map(i => [r[i][0] * zooms[0], r[i][1] * zooms[1], r[i][2] * zooms[2], offsets[i]]),
    [0, 0, 0, 1]
  ];
}

export function sformAffine(h: NiftiHeader): Affine {
  return [[...h.srowX], [...h.srowY], [...h.srowZ], [0, 0, 0, 1]];
}

/** Analyze-style affine: x flipped, origin at the SPM originator if plausible, else the centre. */
export function baseAffine(h: NiftiHeader): Affine {
  const shape = headerShape(h);
  const dims = [0, 1, 2].map(i => shape[i] ?? 1);
  const zooms = [0, 1, 2].map(i => (i < shape.length ? h.pixdim[i + 1] : 1));
  zooms[0] = -zooms[0];
  let origin = dims.map(n => (n - 1) / 2);
  const spm = h.analyzeOrigin;
  if (spm && spm.some(o => o !== 0) && spm.every((o, i) => o > -dims[i] && o < dims[i] * 2)) {
    origin = spm.map(o => o - 1);
  }
  return [
    [zooms[0], 0, 0, -origin[0] * zooms[0]],
    [0, zooms[1], 0, -origin[1] * zooms[1]],
    [0, 0, zooms[2], -origin[2] * zooms[2]],
    [0, 0, 0, 1]
  ];
}

/** The affine a reader should use, by the standard precedence. */
export function bestAffine(h: NiftiHeader): Affine {
  if (h.sformCode > 0) return sformAffine(h);
  if (h.qformCode > 0) return qformAffine(h);
  return baseAffine(h);
}

/** Column norms of the 3x3 part: the voxel sizes in mm along each voxel axis. */
export function voxelSizes(affine: Affine): number[] {
  return [0, 1, 2].map(j => Math.hypot(affine[0][j], affine[1][j], affine[2][j]));
}

export interface Quaternion {
  b: number;
  c: number;
  d: number;
  qfac: 1 | -1;
  zooms: number[];
  offset: number[];
}

/**
 * The qform parameters that best represent an affine: zooms from the column norms, qfac -1 when the
 * matrix is a reflection, and the quaternion of the remaining rotation (scalar part kept >= 0).
 */
export function affineToQuaternion(affine: Affine): Quaternion {
  const zooms = voxelSizes(affine).map(z => (z > 0 ? z : 1));
  const r = [0, 1, 2].map(i => [0, 1, 2].map(j => affine[i][j] / zooms[j]));
  const det =
    r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
    r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
    r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
  const qfac: 1 | -1 = det < 0 ? -1 : 1;
  if (qfac < 0) for (let i = 0; i < 3; i++) r[i][2] = -r[i][2];
  // Shepperd's method: pick the largest of the four squared components for numerical stability.
  const trace = r[0][0] + r[1][1] + r[2][2];
  let a: number;
  let b: number;
  let c: number;
  let d: number;
  if (trace > 0) {
    const s = 2 * Math.sqrt(1 + trace);
    a = s / 4;
    b = (r[2][1] - r[1][2]) / s;
    c = (r[0][2] - r[2][0]) / s;
    d = (r[1][0] - r[0][1]) / s;
  } else if (r[0][0] > r[1][1] && r[0][0] > r[2][2]) {
    const s = 2 * Math.sqrt(1 + r[0][0] - r[1][1] - r[2][2]);
    a = (r[2][1] - r[1][2]) / s;
    b = s / 4;
    c = (r[0][1] + r[1][0]) / s;
    d = (r[0][2] + r[2][0]) / s;
  } else if (r[1][1] > r[2][2]) {
    const s = 2 * Math.sqrt(1 + r[1][1] - r[0][0] - r[2][2]);
    a = (r[0][2] - r[2][0]) / s;
    b = (r[0][1] + r[1][0]) / s;
    c = s / 4;
    d = (r[1][2] + r[2][1]) / s;
  } else {
    const s = 2 * Math.sqrt(1 + r[2][2] - r[0][0] - r[1][1]);
    a = (r[1][0] - r[0][1]) / s;
    b = (r[0][2] + r[2][0]) / s;
    c = (r[1][2] + r[2][1]) / s;
    d = s / 4;
  }
  if (a < 0) {
    b = -b;
    c = -c;
    d = -d;
  }
  return { b, c, d, qfac, zooms, offset: [affine[0][3], affine[1][3], affine[2][3]] };
}

/**
 * Orientation codes of the voxel axes (nibabel's aff2axcodes): for each voxel axis, the world
 * direction (R/L, A/P, S/I) it mostly points to. FSL's MNI grid is "LAS", fMRIPrep's "RAS".
 */
export function axisCodes(affine: Affine): string {
  const positive = ['R', 'A', 'S'];
  const negative = ['L', 'P', 'I'];
  const used = new Set<number>();
  // Greedy on the largest absolute entry, so permuted axes (dk_112-style swaps) are found too.
  const order = [0, 1, 2].sort((p, q) => {
    const mp = Math.max(...[0, 1, 2].map(i => Math.abs(affine[i][p])));
    const mq = Math.max(...[0, 1, 2].map(i => Math.abs(affine[i][q])));
    return mq - mp;
  });
  const result: string[] = ['?', '?', '?'];
  for (const j of order) {
    let best = -1;
    for (let i = 0; i < 3; i++) {
      if (used.has(i)) continue;
      if (best < 0 || Math.abs(affine[i][j]) > Math.abs(affine[best][j])) best = i;
    }
    used.add(best);
    result[j] = affine[best][j] >= 0 ? positive[best] : negative[best];
  }
  return result.join('');
}

/** Matrix product of two 4x4 affines. */
export function multiplyAffines(a: Affine, b: Affine): Affine {
  return [0, 1, 2, 3].map(i =>
    [0, 1, 2, 3].map(j => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j] + a[i][3] * b[3][j])
  );
}

/** Inverse of an affine (3x3 linear part inverted by cofactors, translation carried). */
export function invertAffine(m: Affine): Affine {
  const [a, b, c] = [m[0][0], m[0][1], m[0][2]];
  const [d, e, f] = [m[1][0], m[1][1], m[1][2]];
  const [g, h, i] = [m[2][0], m[2][1], m[2][2]];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  const inv = [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]
  ];
  const t = [m[0][3], m[1][3], m[2][3]];
  return [
    ...inv.map(row => [row[0], row[1], row[2], -(row[0] * t[0] + row[1] * t[1] + row[2] * t[2])]),
    [0, 0, 0, 1]
  ];
}
