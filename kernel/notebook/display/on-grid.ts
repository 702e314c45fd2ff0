/**
 * An overlay's values on the base image's grid, for the PNG fallback of `ns.view`: a 3 mm stat map
 * or a 99x117x95 atlas over a 2 mm template was dropped from the picture before. Positions go
 * through both affines (world mm, data/grid.ts), so orientation and voxel size are handled. Labels
 * and masks take the nearest voxel (no invented label values); continuous maps are trilinear, as
 * nilearn resamples stat maps. Outside the overlay's field of view: NaN (drawn as nothing).
 */
import { gridOf, voxelMapping } from '../../data/grid';
import { NiftiImage } from '../../nifti';

export type Interpolation = 'nearest' | 'linear';

/** One frame of `image`, sampled at every voxel centre of `base`'s grid (file order, x fastest). */
export function onBaseGrid(image: NiftiImage, base: NiftiImage, frame: number, mode: Interpolation): Float32Array {
  const src = gridOf(image);
  const dst = gridOf(base);
  const [sx, sy, sz] = src.shape;
  const [nx, ny, nz] = dst.shape;
  const values = image.data();
  const offset = frame * sx * sy * sz;
  const at = (i: number, j: number, k: number) => values[offset + i + sx * (j + sy * k)];
  const m = voxelMapping(dst, src);
  const out = new Float32Array(nx * ny * nz).fill(NaN);
  for (let z = 0, o = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, o++) {
        const fi = m[0][0] * x + m[0][1] * y + m[0][2] * z + m[0][3];
        const fj = m[1][0] * x + m[1][1] * y + m[1][2] * z + m[1][3];
        const fk = m[2][0] * x + m[2][1] * y + m[2][2] * z + m[2][3];
        if (mode === 'nearest') {
          const [i, j, k] = [Math.round(fi), Math.round(fj), Math.round(fk)];
          if (i >= 0 && j >= 0 && k >= 0 && i < sx && j < sy && k < sz) out[o] = at(i, j, k);
          continue;
        }
        // Trilinear between the 8 neighbours; an edge voxel's outside neighbours repeat it.
        if (fi < -0.5 || fj < -0.5 || fk < -0.5 || fi > sx - 0.5 || fj > sy - 0.5 || fk > sz - 0.5) continue;
        const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
        const [i0, j0, k0] = [Math.floor(fi), Math.floor(fj), Math.floor(fk)];
        const [di, dj, dk] = [fi - i0, fj - j0, fk - k0];
        let acc = 0;
        for (let c = 0; c < 8; c++) {
          const [a, b, d] = [c & 1, (c >> 1) & 1, (c >> 2) & 1];
          const weight = (a ? di : 1 - di) * (b ? dj : 1 - dj) * (d ? dk : 1 - dk);
          if (weight === 0) continue;
          acc += weight * at(clamp(i0 + a, sx), clamp(j0 + b, sy), clamp(k0 + d, sz));
        }
        out[o] = acc;
      }
    }
  }
  return out;
}
