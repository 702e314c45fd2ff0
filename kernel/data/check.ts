/**
 * `ns.data.check` / `neurostorm check DATASET`: the preprocessing validator. For every run it
 * compares what the file is with what the model expects (spec 6.1: MNI152 space, the FSL 2 mm LAS
 * grid, TR 0.8 s, at least one 20-frame clip, brain coverage, raw positive intensities) and says
 * pass / warn / fail with the reason. It reads the header and the first frame, and checks the data
 * section's length against the header (a plain file by its size; a gzip stream is inflated once, in
 * constant memory, and must end where the header says), so a truncated run fails here rather than
 * midway through preprocessing. A run that cannot be read at all is one failed row, not the end of
 * the check.
 */
import * as path from 'path';
import { NeuroStormError } from '../errors';
import { voxelSizes } from '../nifti/affine';
import { pairPaths, read, readHeader } from '../nifti/read';
import { dataByteLength } from '../nifti/header';
import { fileSource } from '../nifti/source';
import { NiftiImage } from '../nifti/image';
import { labelMapOnGrid } from './atlas';
import { BidsDataset, BidsRun, openBids } from './bids';
import { gridOf, MNI_2MM_LAS, voxelMapping } from './grid';
import { TARGET_TR } from './preprocess';
import { LongWorkOptions, checkAborted } from '../progress';
import { classifyGrid } from './spatial';
import { resolveSynthAssets } from './synth/assets';

const { round, abs, floor } = Math;

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckRow {
  /** Run path relative to the dataset root. */
  run: string;
  check: 'data' | 'space' | 'orientation' | 'voxel size' | 'TR' | 'frames' | 'coverage' | 'intensity';
  status: CheckStatus;
  /** What was found. */
  value: string;
  reason: string;
}

export interface CheckReport {
  root: string;
  rows: CheckRow[];
  summary: Record<CheckStatus, number>;
  /** Files openBids skipped, with reasons. */
  skipped: { file: string; reason: string }[];
  notes: string[];
}

export interface CheckOptions extends LongWorkOptions {
  /** MNI brain mask for the coverage check; default: the embedded MNI 2 mm mask (ns.data.assets().mask). */
  mask?: string;
  /** Frames per clip the model needs (spec 1); default 20. */
  sequenceLength?: number;
}

type Row = Omit<CheckRow, 'run'>;

function spaceCheck(run: BidsRun, image: NiftiImage): Row {
  if (run.space === 'MNI152NLin6Asym')
    return {
      check: 'space',
      status: 'pass',
      value: run.space,
      reason: 'FSL MNI152 space, as the official weights were trained on'
    };
  if (run.space === 'MNI152NLin2009cAsym') {
    return {
      check: 'space',
      status: 'warn',
      value: run.space,
      reason:
        "fMRIPrep's MNI template differs slightly from FSL's (MNI152NLin6Asym) the weights were trained on"
    };
  }
  const codes = [image.header.sformCode, image.header.qformCode];
  if (codes.includes(4))
    return {
      check: 'space',
      status: 'warn',
      value: 'no space entity; header code MNI152',
      reason: 'header says MNI152; name the file with space-MNI152NLin6Asym to be sure'
    };
  return {
    check: 'space',
    status: 'fail',
    value: 'native / unknown',
    reason: 'not normalised to MNI152: run fMRIPrep or FSL first (NeuroSTORM expects MNI inputs)'
  };
}

function orientationCheck(image: NiftiImage): Row {
  const grid = gridOf(image);
  const { kind, description } = classifyGrid(grid);
  const m = voxelMapping(MNI_2MM_LAS, grid);
  const oblique = [0, 1, 2].some(i => {
    const row = [abs(m[i][0]), abs(m[i][1]), abs(m[i][2])].sort((a, b) => b - a);
    return row[1] > 1e-3 * row[0];
  });
  if (kind === 'identity')
    return {
      check: 'orientation',
      status: 'pass',
      value: 'LAS, FSL 91x109x91 grid',
      reason: 'no resampling needed'
    };
  if (kind === 'reorient')
    return {
      check: 'orientation',
      status: 'pass',
      value: description.replace(/^spatial: /, ''),
      reason: 'exact reorientation to LAS, no interpolation'
    };
  if (oblique)
    return {
      check: 'orientation',
      status: 'warn',
      value: 'oblique affine',
      reason: 'rotated relative to MNI axes: trilinear resampling onto the FSL grid blurs it'
    };
  return {
    check: 'orientation',
    status: 'pass',
    value: description.replace(/^spatial: /, ''),
    reason: 'resampled through the affines onto the FSL LAS grid'
  };
}

function voxelCheck(image: NiftiImage): Row {
  const sizes = voxelSizes(image.affine);
  const value = sizes.map(s => s.toFixed(2)).join(' x ') + ' mm';
  if (sizes.every(s => abs(s - 2) < 0.02))
    return { check: 'voxel size', status: 'pass', value, reason: '2 mm, as the model expects' };
  if (sizes.some(s => s > 4))
    return {
      check: 'voxel size',
      status: 'warn',
      value,
      reason: 'coarser than 4 mm: upsampling to 2 mm cannot restore detail'
    };
  return { check: 'voxel size', status: 'warn', value, reason: 'resampled to 2 mm (trilinear)' };
}

function trCheck(run: BidsRun, image: NiftiImage): { row: Row; tr: number | null } {
  const sidecar = run.sidecarTr;
  const header = run.headerTr;
  if (sidecar === null && header === null)
    return {
      row: {
        check: 'TR',
        status: 'fail',
        value: 'unknown',
        reason: 'no RepetitionTime in a sidecar and none in the header'
      },
      tr: null
    };
  if (sidecar !== null && sidecar > 100) {
    return {
      row: {
        check: 'TR',
        status: 'warn',
        value: `${sidecar} (sidecar)`,
        reason: 'RepetitionTime must be seconds in BIDS; this looks like milliseconds'
      },
      tr: sidecar / 1000
    };
  }
  const tr = sidecar ?? (header as number);
  const notes: string[] = [];
  if (image.trNote) notes.push(`header: ${image.trNote}`);
  if (sidecar !== null && header !== null && abs(sidecar - header) > 0.01 * sidecar)
    notes.push(`sidecar ${sidecar} s vs header ${header} s: sidecar used`);
  if (sidecar === null) notes.push('no sidecar RepetitionTime: header value used');
  const resample = abs(tr - TARGET_TR) > 1e-6 ? `resampled to ${TARGET_TR} s` : `already ${TARGET_TR} s`;
  return {
    row: {
      check: 'TR',
      status: notes.length ? 'warn' : 'pass',
      value: `${tr} s`,
      reason: [...notes, resample].join('; ')
    },
    tr
  };
}

function framesCheck(frames: number, tr: number | null, sequenceLength: number): Row {
  const after = tr === null ? frames : Math.max(round((frames * tr) / TARGET_TR), 1);
  const value = tr === null ? `${frames}` : `${frames} (${after} at ${TARGET_TR} s)`;
  const clips = Math.floor(after / sequenceLength);
  if (clips === 0)
    return {
      check: 'frames',
      status: 'fail',
      value,
      reason: `fewer than ${sequenceLength} frames: not one clip`
    };
  if (clips === 1)
    return { check: 'frames', status: 'warn', value, reason: `only one ${sequenceLength}-frame clip` };
  return { check: 'frames', status: 'pass', value, reason: `${clips} clips of ${sequenceLength} frames` };
}

/** Coverage of the MNI brain and intensity statistics, from the first frame. */
function contentChecks(frame0: NiftiImage, brain: Int32Array | null): Row[] {
  const data = frame0.data();
  const grid = gridOf(frame0);
  const rows: Row[] = [];
  if (brain) {
    // brain: linear voxel indices of the MNI mask on the FSL grid; map each into this run.
    const m = voxelMapping(MNI_2MM_LAS, grid);
    const [sx, sy, sz] = grid.shape;
    const [nx, ny] = MNI_2MM_LAS.shape;
    let covered = 0;
    for (const v of brain) {
      const x = v % nx;
      const y = floor(v / nx) % ny;
      const z = floor(v / (nx * ny));
      const i = round(m[0][0] * x + m[0][1] * y + m[0][2] * z + m[0][3]);
      const j = round(m[1][0] * x + m[1][1] * y + m[1][2] * z + m[1][3]);
      const k = round(m[2][0] * x + m[2][1] * y + m[2][2] * z + m[2][3]);
      if (i < 0 || j < 0 || k < 0 || i >= sx || j >= sy || k >= sz) continue;
      const value = data[i + sx * (j + sy * k)];
      if (value !== 0 && value === value) covered++;
    }
    const fraction = covered / brain.length;
    const value = `${(100 * fraction).toFixed(1)}% of the MNI brain`;
    rows.push(
      fraction >= 0.9
        ? { check: 'coverage', status: 'pass', value, reason: 'brain covered' }
        : fraction >= 0.7
          ? {
              check: 'coverage',
              status: 'warn',
              value,
              reason: 'partial coverage: missing brain is background to the model'
            }
          : {
              check: 'coverage',
              status: 'fail',
              value,
              reason: 'most of the brain is missing or the run is not in MNI space'
            }
    );
  } else {
    rows.push({
      check: 'coverage',
      status: 'warn',
      value: 'not checked',
      reason: 'no MNI brain mask available (pass --mask)'
    });
  }
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let negatives = 0;
  let nans = 0;
  for (const v of data) {
    if (v !== v) {
      nans++;
      continue;
    }
    if (v === 0) continue;
    n++;
    sum += v;
    sumSq += v * v;
    if (v < 0) negatives++;
  }
  if (n === 0)
    return [
      ...rows,
      { check: 'intensity', status: 'fail', value: 'all zero', reason: 'the first frame holds no signal' }
    ];
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  const value = `mean ${mean.toPrecision(4)}, sd ${sd.toPrecision(4)}, ${((100 * negatives) / n).toFixed(1)}% negative${nans ? `, ${nans} NaN` : ''}`;
  if (nans > 0)
    rows.push({ check: 'intensity', status: 'warn', value, reason: 'NaN voxels are treated as 0' });
  else if (abs(mean) < 1 && sd < 5)
    rows.push({
      check: 'intensity',
      status: 'warn',
      value,
      reason: 'looks already normalised; the pipeline expects raw BOLD intensities'
    });
  else if (negatives > 0.05 * n)
    rows.push({
      check: 'intensity',
      status: 'warn',
      value,
      reason: 'many negative values: they are set to 0 (spec 6.1 step 5)'
    });
  else rows.push({ check: 'intensity', status: 'pass', value, reason: 'positive BOLD intensities' });
  return rows;
}

/**
 * The voxel data against the header: the data must end at vox_offset + the declared bytes. Plain
 * files are judged by their size; gzip streams are inflated through (never held) and counted.
 */
async function dataCheck(file: string): Promise<Row> {
  const header = await readHeader(file);
  const end = header.voxOffset + dataByteLength(header);
  const dataFile = pairPaths(file)?.img ?? file;
  const source = await fileSource(dataFile);
  let length: number;
  try {
    if (!source.compressed) length = source.storedBytes;
    else {
      length = 0;
      for (let n; (n = await source.skip(1 << 26)) > 0; ) length += n;
    }
  } finally {
    await source.close();
  }
  const what = source.compressed ? 'the gzip stream holds' : 'the file holds';
  if (length < end) {
    return {
      check: 'data',
      status: 'fail',
      value: `${length} of ${end} bytes`,
      reason: `truncated: the header declares voxel data up to byte ${end} but ${what} ${length} bytes (${((100 * Math.max(0, length - header.voxOffset)) / (end - header.voxOffset)).toFixed(1)}% of the data)`
    };
  }
  if (length > end && source.compressed) {
    return { check: 'data', status: 'warn', value: `${length} bytes`, reason: `${length - end} bytes after the voxel data the header declares` };
  }
  return { check: 'data', status: 'pass', value: `${end} bytes`, reason: 'the data section is as long as the header declares' };
}

async function brainIndices(mask: string | undefined): Promise<Int32Array | null> {
  let file = mask;
  if (!file) {
    try {
      file = resolveSynthAssets().mask;
    } catch (err) {
      if (err instanceof NeuroStormError) return null;
      throw err;
    }
  }
  const map = labelMapOnGrid(await read(file), MNI_2MM_LAS);
  const out: number[] = [];
  map.regionOf.forEach((r, v) => {
    if (r >= 0) out.push(v);
  });
  return Int32Array.from(out);
}

/** Validates every run: `const report = await ns.data.check('cohort')`. */
export async function check(dataset: BidsDataset | string, options: CheckOptions = {}): Promise<CheckReport> {
  const ds = typeof dataset === 'string' ? await openBids(dataset) : dataset;
  const brain = await brainIndices(options.mask);
  const rows: CheckRow[] = [];
  for (const [i, run] of ds.runs.entries()) {
    checkAborted(options.signal, 'check');
    const name = path.relative(ds.root, run.file);
    const found: Row[] = [];
    try {
      found.push(await dataCheck(run.file));
      const frame0 = await read(run.file, { frames: { start: 0, count: 1 } });
      found.push(spaceCheck(run, frame0), orientationCheck(frame0), voxelCheck(frame0));
      const { row, tr } = trCheck(run, frame0);
      found.push(
        row,
        framesCheck(run.shape[3], tr, options.sequenceLength ?? 20),
        ...contentChecks(frame0, brain)
      );
    } catch (err) {
      if (!(err instanceof NeuroStormError) || err.code === 'E_ABORTED') throw err;
      // One unreadable run is one failed row; the other runs are still checked.
      found.push({ check: 'data', status: 'fail', value: 'unreadable', reason: err.message });
    }
    rows.push(...found.map(r => ({ run: name, ...r })));
    options.onProgress?.({ label: 'check', step: i + 1, totalSteps: ds.runs.length, message: name });
  }
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0 };
  for (const r of rows) summary[r.status]++;
  return { root: ds.root, rows, summary, skipped: ds.skipped, notes: ds.notes };
}

/** The report as an aligned text table (CLI output). */
export function formatCheckReport(report: CheckReport): string {
  const header = ['run', 'check', 'status', 'value', 'reason'];
  const table = [
    header,
    ...report.rows.map(r => [r.run, r.check, r.status.toUpperCase(), r.value, r.reason])
  ];
  const widths = header.map((_, c) => Math.max(...table.map(row => row[c].length)));
  const lines = table.map(row =>
    row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')
  );
  const extra = [
    ...report.skipped.map(s => `skipped ${path.relative(report.root, s.file)}: ${s.reason}`),
    ...report.notes.map(n => `note: ${n}`),
    `${report.rows.length} checks: ${report.summary.pass} pass, ${report.summary.warn} warn, ${report.summary.fail} fail`
  ];
  return [...lines, '', ...extra].join('\n');
}
