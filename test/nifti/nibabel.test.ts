/**
 * Every NIfTI/Analyze file in ../shared/data/real reads with the same header fields, affine and
 * voxel data as nibabel (spawned from this test; /usr/bin/python3 with Debian's python3-nibabel).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { read, readHeader, NiftiHeader } from '../../kernel/nifti';
import { NiftiFormatError } from '../../kernel/errors';

// Hot loops alias globals: under jest's vm context every global lookup (Math, Number) is slow.
const { abs, max } = Math;
const isNaN = Number.isNaN;
const REAL = path.resolve(__dirname, '../../../shared/data/real');

interface Dump {
  file: string;
  class: string;
  shape: number[];
  affine: number[][];
  fields: Record<string, unknown>;
  hasData: boolean;
  slope?: number;
  inter?: number;
  rawDtype?: string;
}

function realFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...realFiles(p));
    else if (/\.(nii|nii\.gz|hdr)$/.test(entry.name)) out.push(path.relative(REAL, p));
  }
  return out.sort();
}

const FILES = realFiles(REAL);
let dumpDir: string;
let dumps: Dump[];

beforeAll(() => {
  dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-nibabel-'));
  const r = spawnSync('/usr/bin/python3', [path.join(__dirname, 'nibabel_dump.py'), dumpDir, ...FILES], {
    cwd: REAL,
    encoding: 'utf8'
  });
  if (r.status !== 0) throw new Error(`nibabel_dump.py failed: ${r.stderr}`);
  dumps = JSON.parse(fs.readFileSync(path.join(dumpDir, 'index.json'), 'utf8')) as Dump[];
});

afterAll(() => fs.rmSync(dumpDir, { recursive: true, force: true }));

// nibabel field name -> our header field.
const NIFTI_FIELDS: Record<string, keyof NiftiHeader> = {
  sizeof_hdr: 'sizeofHdr',
  dim: 'dim',
  datatype: 'datatype',
  bitpix: 'bitpix',
  pixdim: 'pixdim',
  vox_offset: 'voxOffset',
  scl_slope: 'sclSlope',
  scl_inter: 'sclInter',
  intent_code: 'intentCode',
  intent_p1: 'intentP1',
  intent_p2: 'intentP2',
  intent_p3: 'intentP3',
  intent_name: 'intentName',
  slice_start: 'sliceStart',
  slice_end: 'sliceEnd',
  slice_code: 'sliceCode',
  slice_duration: 'sliceDuration',
  xyzt_units: 'xyztUnits',
  cal_max: 'calMax',
  cal_min: 'calMin',
  toffset: 'toffset',
  descrip: 'descrip',
  aux_file: 'auxFile',
  qform_code: 'qformCode',
  sform_code: 'sformCode',
  quatern_b: 'quaternB',
  quatern_c: 'quaternC',
  quatern_d: 'quaternD',
  qoffset_x: 'qoffsetX',
  qoffset_y: 'qoffsetY',
  qoffset_z: 'qoffsetZ',
  srow_x: 'srowX',
  srow_y: 'srowY',
  srow_z: 'srowZ',
  dim_info: 'dimInfo',
  magic: 'magic'
};
const NIFTI1_ONLY: Record<string, keyof NiftiHeader> = { glmax: 'glmax', glmin: 'glmin' };
const ANALYZE_FIELDS: Record<string, keyof NiftiHeader> = Object.fromEntries(
  [
    'sizeof_hdr',
    'dim',
    'datatype',
    'bitpix',
    'pixdim',
    'vox_offset',
    'scl_slope',
    'cal_max',
    'cal_min',
    'descrip',
    'aux_file'
  ]
    .map(k => [k, NIFTI_FIELDS[k]])
    .concat(Object.entries(NIFTI1_ONLY))
);

function sameValue(ours: unknown, theirs: unknown): boolean {
  if (Array.isArray(theirs))
    return (
      Array.isArray(ours) && theirs.length === ours.length && theirs.every((t, i) => sameValue(ours[i], t))
    );
  if (theirs === 'nan') return typeof ours === 'number' && Number.isNaN(ours);
  if (theirs === 'inf' || theirs === '-inf') return ours === (theirs === 'inf' ? Infinity : -Infinity);
  return ours === theirs;
}

function dumpOf(file: string): Dump {
  const d = dumps.find(x => x.file === file);
  if (!d) throw new Error(`no nibabel dump for ${file}`);
  return d;
}

describe.each(FILES)('%s', file => {
  const full = path.join(REAL, file);

  test('header fields equal nibabel', async () => {
    const d = dumpOf(file);
    const header = await readHeader(full);
    const isAnalyze = d.class.startsWith('Spm') || d.class.startsWith('Analyze');
    expect(header.format).toBe(isAnalyze ? 'analyze' : d.class.startsWith('Nifti2') ? 'nifti2' : 'nifti1');
    const table = isAnalyze
      ? ANALYZE_FIELDS
      : { ...NIFTI_FIELDS, ...(d.class.startsWith('Nifti1') ? NIFTI1_ONLY : {}) };
    const mismatches = Object.entries(table)
      .filter(([theirs, ours]) => !sameValue(header[ours], d.fields[theirs]))
      .map(
        ([theirs, ours]) =>
          `${theirs}: nibabel ${JSON.stringify(d.fields[theirs])}, ours ${JSON.stringify(header[ours])}`
      );
    expect(mismatches).toEqual([]);
    if (isAnalyze) expect(header.analyzeOrigin).toEqual((d.fields.origin as number[]).slice(0, 3));
  });

  test('shape, affine and voxel data equal nibabel', async () => {
    const d = dumpOf(file);
    const i = dumps.indexOf(d);
    if (!d.hasData) {
      // Header-only fixtures: the missing .img is a typed error naming the file.
      await expect(read(full)).rejects.toThrow(NiftiFormatError);
      await expect(read(full)).rejects.toThrow(/\.img/);
      return;
    }
    const image = await read(full);
    expect(image.shape).toEqual(d.shape);
    image.affine.forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(d.affine[r][c], 5)));
    expect(image.slope).toBeCloseTo(d.slope as number, 12);
    expect(image.inter).toBeCloseTo(d.inter as number, 12);
    // Unscaled values: bit-exact.
    const raw = fs.readFileSync(path.join(dumpDir, `${i}.raw`));
    const ours = Buffer.from(image.raw.buffer, image.raw.byteOffset, image.raw.byteLength);
    expect(ours.length).toBe(raw.length);
    expect(ours.equals(raw)).toBe(true);
    // Scaled values: float32 of nibabel's float64 get_fdata (NaN where nibabel has NaN).
    const f32 = fs.readFileSync(path.join(dumpDir, `${i}.f32`));
    const theirs = new Float32Array(f32.buffer, f32.byteOffset, f32.length / 4);
    const data = image.data();
    expect(data.length).toBe(theirs.length);
    let worst = 0;
    let nanMismatch = 0;
    for (let k = 0; k < data.length; k++) {
      const a = data[k];
      const b = theirs[k];
      if (isNaN(a) || isNaN(b)) {
        if (isNaN(a) !== isNaN(b)) nanMismatch++;
        continue;
      }
      worst = max(worst, abs(a - b) / max(1, abs(b)));
    }
    expect(nanMismatch).toBe(0);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});

test('the .hdr/.img pair decodes to exactly the single-file functional.nii', async () => {
  const pair = await read(path.join(REAL, 'derived/functional_pair.hdr'));
  const single = await read(path.join(REAL, 'nibabel/functional.nii'));
  expect(Array.from(pair.data())).toEqual(Array.from(single.data()));
  // Opening the pair by its .img name finds the same header.
  const byImg = await read(path.join(REAL, 'derived/functional_pair.img'));
  expect(byImg.affine).toEqual(pair.affine);
});

test('TR: seconds, with the example4d "2000 s" quirk read as milliseconds and noted', async () => {
  const functional = await read(path.join(REAL, 'nibabel/functional.nii'));
  expect(functional.tr).toBe(2);
  expect(functional.trNote).toBeNull();
  const quirk = await read(path.join(REAL, 'nibabel/example4d.nii.gz'));
  expect(quirk.tr).toBe(2);
  expect(quirk.trNote).toMatch(/2000.*milliseconds/);
  const fmri1 = await read(path.join(REAL, 'nitime/fmri1.nii.gz'));
  expect(fmri1.tr).toBeCloseTo(1.35, 6);
  expect((await read(path.join(REAL, 'nilearn/avg152T1_brain.nii.gz'))).tr).toBeNull();
});

test('a window of frames reads only those frames', async () => {
  const full = await read(path.join(REAL, 'nitime/fmri1.nii.gz'));
  const part = await read(path.join(REAL, 'nitime/fmri1.nii.gz'), { frames: { start: 5, count: 3 } });
  expect(part.shape).toEqual([10, 10, 18, 3]);
  const frame = 10 * 10 * 18;
  expect(Array.from(part.data())).toEqual(Array.from(full.data().subarray(5 * frame, 8 * frame)));
  const plain = await read(path.join(REAL, 'nibabel/functional.nii'), { frames: { start: 19, count: 1 } });
  expect(Array.from(plain.data())).toEqual(
    Array.from((await read(path.join(REAL, 'nibabel/functional.nii'))).data().subarray(19 * 17 * 21 * 3))
  );
});
