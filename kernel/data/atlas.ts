/**
 * Parcellations: label volumes (any NIfTI grid, integer or scaled/float labels) brought onto a
 * target grid by nearest neighbour through the affines, and their label names.
 *
 * Labels are the rounded scaled values (Power-264 stores uint8 * 1.035, so values are not labels
 * until rounded). Names come from a labels.csv or a BIDS-style .tsv lookup table (readLabelNames).
 */
import * as fs from 'fs';
import { DatasetError } from '../errors';
import { NiftiImage } from '../nifti/image';
import { Grid, gridOf, voxelMapping } from './grid';

// Hot loops use module-level aliases: a global lookup per voxel is slow inside vm contexts (jest).
const { round } = Math;
const isFinite = Number.isFinite;

export interface LabelMap {
  grid: Grid;
  /** Per target voxel (x fastest): index into `labels`, or -1 outside every region. */
  regionOf: Int32Array;
  /** Sorted distinct non-zero label values present on the grid. */
  labels: number[];
}

/** Resamples a label image onto `grid` (nearest neighbour) and indexes its regions. */
export function labelMapOnGrid(atlas: NiftiImage, grid: Grid): LabelMap {
  const src = gridOf(atlas);
  const values = atlas.data();
  const [sx, sy, sz] = src.shape;
  const [nx, ny, nz] = grid.shape;
  const m = voxelMapping(grid, src);
  const labelAt = new Int32Array(nx * ny * nz);
  for (let z = 0, o = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, o++) {
        const i = round(m[0][0] * x + m[0][1] * y + m[0][2] * z + m[0][3]);
        const j = round(m[1][0] * x + m[1][1] * y + m[1][2] * z + m[1][3]);
        const k = round(m[2][0] * x + m[2][1] * y + m[2][2] * z + m[2][3]);
        if (i < 0 || j < 0 || k < 0 || i >= sx || j >= sy || k >= sz) continue;
        const v = values[i + sx * (j + sy * k)];
        labelAt[o] = isFinite(v) ? round(v) : 0;
      }
    }
  }
  const labels = [...new Set(labelAt)].filter(v => v > 0).sort((a, b) => a - b);
  const indexOf = new Map(labels.map((l, i) => [l, i]));
  const regionOf = labelAt.map(v => (v > 0 ? (indexOf.get(v) as number) : -1));
  return { grid, regionOf, labels };
}

/**
 * Reads a label-name table into value -> name: a labels.csv (`index,name`) or a BIDS-style `.tsv`
 * lookup table (`index<TAB>name[<TAB>more columns]`, as our embedded atlas ships). A table whose
 * first row is "1,Background" is off by one (NeuroSTORM's Harvard-Oxford and Schaefer CSVs): value
 * v has its name in row v + 1. Value 0 (background) is never named.
 */
export function readLabelNames(file: string): Map<number, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DatasetError(`cannot read label names: ${(err as Error).message}`, { file, cause: err });
  }
  const lines = text.split(/\r?\n/).filter(l => l.trim() !== '');
  const separator = /\.tsv$/i.test(file) || (lines[0] ?? '').includes('\t') ? '\t' : ',';
  const rows = lines.map(l => l.split(separator).map(c => c.trim()));
  if (rows.length === 0) throw new DatasetError('label-name table is empty', { file });
  const header = rows[0][0].toLowerCase() === 'index' ? rows[0].map(c => c.toLowerCase()) : null;
  const body = header ? rows.slice(1) : rows;
  // A CSV name may itself hold commas (no quoting in these files): it is the rest of the row. A TSV
  // may carry more columns (BIDS: color, abbreviation...): take the one headed "name".
  const nameOf = (row: string[]): string =>
    separator === ',' ? row.slice(1).join(',').trim() : (row[header ? Math.max(1, header.indexOf('name')) : 1] ?? '');
  const offByOne = body.length > 0 && Number(body[0][0]) === 1 && nameOf(body[0]).toLowerCase() === 'background';
  const names = new Map<number, string>();
  for (const row of body) {
    const v = Number(row[0]) - (offByOne ? 1 : 0);
    if (Number.isInteger(v) && v > 0) names.set(v, nameOf(row));
  }
  return names;
}

/**
 * The region names that sit beside an atlas file, BIDS lookup-table style (`atlas.nii.gz` ->
 * `atlas.tsv`, as the embedded Schaefer atlas ships), as the viewer's value -> name record; null
 * when there is no such table.
 */
export function labelNamesBeside(atlasFile: string): Record<string, string> | null {
  const table = atlasFile.replace(/\.nii(\.gz)?$/i, '') + '.tsv';
  if (table === atlasFile + '.tsv' || !fs.existsSync(table)) return null;
  return Object.fromEntries([...readLabelNames(table)].map(([v, name]) => [String(v), name]));
}
