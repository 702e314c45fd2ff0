/**
 * The crosshair readout and time labels of the volume viewer. Coordinates come from the payload's
 * voxel-to-MNI affine (the kernel's truth), not from the viewer's own reorientation, so the numbers
 * shown are the ones `ns.nifti.read` reports for the same voxel. Pure: tested in Node.
 */

/** Applies a 4x4 voxel-to-world affine (rows) to voxel indices (i, j, k). */
export function voxelToWorld(affine: number[][], vox: readonly number[]): [number, number, number] {
  const [i, j, k] = vox;
  const row = (r: number[]): number => r[0] * i + r[1] * j + r[2] * k + r[3];
  return [row(affine[0]), row(affine[1]), row(affine[2])];
}

/**
 * Inverse of voxelToWorld: voxel indices (fractional) of world coordinates. The viewer reports world
 * millimetres; its own voxel indices are in its internal RAS reslicing, not the stored order.
 */
export function worldToVoxel(affine: number[][], world: readonly number[]): [number, number, number] {
  const [[a, b, c, t0], [d, e, f, t1], [g, h, k, t2]] = affine;
  const det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
  if (det === 0) throw new Error('the affine is singular (its 3x3 part has determinant 0)');
  const [x, y, z] = [world[0] - t0, world[1] - t1, world[2] - t2];
  return [
    ((e * k - f * h) * x - (b * k - c * h) * y + (b * f - c * e) * z) / det,
    (-(d * k - f * g) * x + (a * k - c * g) * y - (a * f - c * d) * z) / det,
    ((d * h - e * g) * x - (a * h - b * g) * y + (a * e - b * d) * z) / det
  ];
}

/**
 * Region name of an atlas value: values are rounded (float-typed and scaled-int atlases store labels
 * as non-integers, see data/real README), 0 is background, an unlisted value is named by its number.
 */
export function regionName(labels: Record<string, string> | undefined, value: number): string | null {
  if (!Number.isFinite(value)) return null;
  const key = Math.round(value);
  const named = labels?.[String(key)];
  if (named !== undefined) return named;
  return key === 0 ? null : `label ${key}`;
}

/** Formats a voxel value: integers as such, others with 4 significant digits. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(3).replace(/\.?0+e/, 'e') : String(Number(value.toPrecision(4)));
}

const mm = (v: number): string => (Object.is(Math.round(v * 10) / 10, -0) ? 0 : v).toFixed(1);

export interface ReadoutInput {
  /** World millimetres of the crosshair (the base image header's frame, as the viewer reports it). */
  world: readonly number[];
  /** Voxel-to-MNI affine of the base layer. */
  affine: number[][];
  /** Base layer value at the crosshair. */
  value: number;
  /** Atlas regions at the crosshair: atlas layer name -> region name (null outside labels). */
  regions: { atlas: string; region: string | null }[];
}

/** The readout parts a person reads: MNI mm, voxel indices, value, atlas regions. */
export interface Readout {
  mni: string;
  voxel: string;
  value: string;
  regions: string[];
}

/** Builds the readout of one crosshair position. */
export function buildReadout(input: ReadoutInput): Readout {
  const vox = storedVoxel(input.affine, input.world);
  const world = voxelToWorld(input.affine, vox);
  return {
    mni: `MNI (${world.map(mm).join(', ')}) mm`,
    voxel: `voxel [${vox.join(', ')}]`,
    value: `value ${formatValue(input.value)}`,
    regions: input.regions.map(r => `${r.atlas}: ${r.region ?? '(none)'}`)
  };
}

/** The stored voxel (nearest centre) at world coordinates. */
export function storedVoxel(affine: number[][], world: readonly number[]): [number, number, number] {
  const [i, j, k] = worldToVoxel(affine, world).map(v => Math.round(v) + 0);
  return [i, j, k];
}

/** One line for the readout bar. */
export function readoutLine(r: Readout): string {
  return [r.mni, r.voxel, r.value, ...r.regions].join(' · ');
}

/** Label of the time slider: frame (1-based for people) and time in seconds when TR is known. */
export function frameLabel(frame: number, frames: number, tr: number | null): string {
  const time = tr !== null && tr > 0 ? ` · t = ${(frame * tr).toFixed(1)} s` : '';
  return `frame ${frame + 1} / ${frames}${time}`;
}

/** Deterministic, well-separated colour of an atlas label (golden-angle hue walk). */
export function labelColor(value: number): [number, number, number] {
  const hue = ((value * 137.508) % 360) / 60;
  const c = 0.75 * 0.9;
  const x = c * (1 - Math.abs((hue % 2) - 1));
  const m = 0.9 - c;
  const [r, g, b] = hue < 1 ? [c, x, 0] : hue < 2 ? [x, c, 0] : hue < 3 ? [0, c, x] : hue < 4 ? [0, x, c] : hue < 5 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** A niivue label colour table (R, G, B, A, I, labels) for the listed atlas values; 0 is transparent. */
export function labelColormap(labels: Record<string, string>): { R: number[]; G: number[]; B: number[]; A: number[]; I: number[]; labels: string[] } {
  const values = [...new Set([0, ...Object.keys(labels).map(Number)])].sort((a, b) => a - b);
  const out = { R: [] as number[], G: [] as number[], B: [] as number[], A: [] as number[], I: [] as number[], labels: [] as string[] };
  for (const v of values) {
    const [r, g, b] = labelColor(v);
    out.R.push(r);
    out.G.push(g);
    out.B.push(b);
    out.A.push(v === 0 ? 0 : 255);
    out.I.push(v);
    out.labels.push(labels[String(v)] ?? (v === 0 ? '' : `label ${v}`));
  }
  return out;
}
