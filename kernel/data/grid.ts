/**
 * The target grid of the official pipeline (spec 6.1; design.md "Orientation"): FSL's MNI152 2 mm
 * grid, 91x109x91, stored LAS (x runs right-to-left), origin (90, -126, -72). Official weights were
 * trained on arrays as FSL/HCP/UKB store them, so every run is brought onto this grid.
 */
import { Affine, invertAffine, multiplyAffines } from '../nifti/affine';

export interface Grid {
  shape: [number, number, number];
  /** Voxel-to-world, 4x4 rows, mm. */
  affine: Affine;
}

export const MNI_2MM_LAS: Grid = {
  shape: [91, 109, 91],
  affine: [
    [-2, 0, 0, 90],
    [0, 2, 0, -126],
    [0, 0, 2, -72],
    [0, 0, 0, 1]
  ]
};

/** Model input edge (spec 1, img_size): 96 voxels per spatial axis. */
export const MODEL_EDGE = 96;

/** True when two grids have the same shape and affines equal within `tolMm` millimetres. */
export function sameGrid(a: Grid, b: Grid, tolMm = 1e-3): boolean {
  if (a.shape.some((n, i) => n !== b.shape[i])) return false;
  return a.affine.every((row, i) => row.every((v, j) => Math.abs(v - b.affine[i][j]) <= tolMm));
}

/** The 4x4 that maps voxel indices of `target` to voxel indices of `source` (through world mm). */
export function voxelMapping(target: Grid, source: Grid): Affine {
  return multiplyAffines(invertAffine(source.affine), target.affine);
}

/** The grid of a 3D/4D image's first three axes. */
export function gridOf(image: { shape: number[]; affine: Affine }): Grid {
  return { shape: [image.shape[0], image.shape[1] ?? 1, image.shape[2] ?? 1], affine: image.affine };
}
