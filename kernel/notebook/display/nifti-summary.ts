/**
 * What a bare `img` (a NiftiImage as a cell's value) prints: a short summary in the spirit of
 * nibabel's `print(img)` — file, shape, dtype, voxel sizes, orientation, TR and affine — instead
 * of a dump of the header object and its typed arrays.
 */
import { axisCodes, NiftiDatatype, NiftiImage, voxelSizes } from '../../nifti';

function fmt(n: number): string {
  return Number.isInteger(n) ? `${n}.` : String(Number(n.toPrecision(6)));
}

function datatypeName(code: number): string {
  const name = Object.entries(NiftiDatatype).find(([, v]) => v === code)?.[0];
  return name ? name.replace(/^DT_/, '').toLowerCase() : `datatype ${code}`;
}

export function niftiSummary(img: NiftiImage): string {
  const sizes = voxelSizes(img.affine).map(v => Number(v.toFixed(3)));
  const scaled = img.slope !== 1 || img.inter !== 0 ? ` (scaled: x ${img.slope} + ${img.inter})` : '';
  const cells = img.affine.map(row => row.map(fmt));
  const width = Math.max(...cells.flat().map(c => c.length));
  const rows = cells.map((row, i) => `${i === 0 ? '[[' : ' ['}${row.map(c => c.padStart(width)).join(' ')}]`);
  return [
    `<NiftiImage${img.file ? ` ${img.file}` : ' (in memory)'}>`,
    `data shape (${img.shape.join(', ')}), ${datatypeName(img.datatype)}${scaled}`,
    `voxel sizes (${sizes.join(', ')}) mm, orientation ${axisCodes(img.affine)}` +
      (img.tr !== null ? `, TR ${img.tr} s` : ''),
    'affine:',
    ...rows.map((r, i) => (i === rows.length - 1 ? `${r}]` : r))
  ].join('\n');
}
