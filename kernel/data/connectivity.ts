/**
 * ROI mean time series with an atlas, and functional connectivity (Pearson, Fisher z): the
 * classical baseline the deep model is compared with, and the check that the synthetic cohort's
 * effects exist before any deep model.
 */
import { ShapeError } from '../errors';
import { NiftiImage } from '../nifti/image';
import { LabelMap, labelMapOnGrid } from './atlas';
import { gridOf, sameGrid } from './grid';

const { sqrt } = Math;

export interface RoiTimeSeries {
  /** Atlas label values, one per region (row of `series`). */
  labels: number[];
  /** series[r][t]: mean of region r's voxels at frame t. */
  series: Float64Array[];
  /** Voxels averaged per region. */
  voxels: number[];
}

/**
 * Mean time series of every atlas region in a 4D run. The atlas may sit on another grid: it is
 * brought onto the run's grid by nearest neighbour through the affines (pass a prepared LabelMap to
 * reuse it across runs on one grid).
 */
export function roiTimeSeries(run: NiftiImage, atlas: NiftiImage | LabelMap): RoiTimeSeries {
  if (run.shape.length !== 4)
    throw new ShapeError(`ROI time series need a 4D run; got ${run.shape.join('x')}`, {
      file: run.file ?? undefined
    });
  const grid = gridOf(run);
  const map = atlas instanceof NiftiImage ? labelMapOnGrid(atlas, grid) : atlas;
  if (!sameGrid(map.grid, grid))
    throw new ShapeError('the label map was prepared for another grid than this run', {
      file: run.file ?? undefined
    });
  const frames = run.shape[3];
  const volume = grid.shape[0] * grid.shape[1] * grid.shape[2];
  const regions = map.labels.length;
  const regionOf = map.regionOf;
  const data = run.data();
  const sums = new Float64Array(regions * frames);
  const counts = new Float64Array(regions);
  for (let v = 0; v < volume; v++) if (regionOf[v] >= 0) counts[regionOf[v]]++;
  for (let t = 0; t < frames; t++) {
    const base = t * volume;
    for (let v = 0; v < volume; v++) {
      const r = regionOf[v];
      if (r >= 0) sums[r * frames + t] += data[base + v];
    }
  }
  const series = map.labels.map((_, r) => {
    const s = sums.subarray(r * frames, (r + 1) * frames).slice();
    for (let t = 0; t < frames; t++) s[t] /= counts[r];
    return s;
  });
  return { labels: map.labels, series, voxels: Array.from(counts) };
}

/** R x R Pearson correlation matrix (row-major Float64Array) of region series. */
export function correlationMatrix(series: ArrayLike<number>[]): Float64Array {
  const r = series.length;
  const t = series[0]?.length ?? 0;
  const z = series.map(s => {
    let mean = 0;
    for (let i = 0; i < t; i++) mean += s[i];
    mean /= t;
    const c = new Float64Array(t);
    let ss = 0;
    for (let i = 0; i < t; i++) {
      c[i] = s[i] - mean;
      ss += c[i] * c[i];
    }
    const inv = ss > 0 ? 1 / sqrt(ss) : 0;
    for (let i = 0; i < t; i++) c[i] *= inv;
    return c;
  });
  const out = new Float64Array(r * r);
  for (let a = 0; a < r; a++) {
    out[a * r + a] = 1;
    for (let b = a + 1; b < r; b++) {
      let s = 0;
      const za = z[a];
      const zb = z[b];
      for (let i = 0; i < t; i++) s += za[i] * zb[i];
      out[a * r + b] = s;
      out[b * r + a] = s;
    }
  }
  return out;
}

/**
 * Fisher z = atanh(r), with r clipped to +-(1 - 1e-7) so perfect correlations (a region's own
 * diagonal, duplicated series) stay finite. Lives with the FC features it transforms; evaluation
 * imports it from here (data never imports eval, design.md).
 */
export function fisherZ(r: number): number {
  const c = r > 1 - 1e-7 ? 1 - 1e-7 : r < -(1 - 1e-7) ? -(1 - 1e-7) : r;
  return 0.5 * Math.log((1 + c) / (1 - c));
}

/** The upper triangle (above the diagonal) of an R x R matrix, Fisher-z transformed: FC features. */
export function connectivityFeatures(matrix: Float64Array, regions: number): Float64Array {
  const out = new Float64Array((regions * (regions - 1)) / 2);
  let k = 0;
  for (let a = 0; a < regions; a++)
    for (let b = a + 1; b < regions; b++) out[k++] = fisherZ(matrix[a * regions + b]);
  return out;
}
