/**
 * Write-then-read is bit-exact for every supported datatype, both NIfTI versions, both byte orders
 * and every container; nibabel reads what we write with the same values and affine.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createImage, read, write, NiftiTypedArray, NiftiDatatype } from '../../kernel/nifti';
import { Random } from '../../kernel/random';

const AFFINE = [
  [-2, 0, 0, 90],
  [0, 2, 0, -126],
  [0, 0, 2, -72],
  [0, 0, 0, 1]
];
const SHAPE = [5, 4, 3, 2];
const N = SHAPE.reduce((a, b) => a * b, 1);

function values(kind: string, rng: Random): NiftiTypedArray {
  const bits = (a: NiftiTypedArray): NiftiTypedArray => {
    const bytes = new Uint8Array(a.buffer);
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.uint32() & 0xff;
    return a;
  };
  switch (kind) {
    case 'uint8':
      return bits(new Uint8Array(N));
    case 'int8':
      return bits(new Int8Array(N));
    case 'int16':
      return bits(new Int16Array(N));
    case 'uint16':
      return bits(new Uint16Array(N));
    case 'int32':
      return bits(new Int32Array(N));
    case 'float32': {
      const a = new Float32Array(N).map(() => rng.normal() * 1e3);
      a.set([NaN, Infinity, -Infinity, -0, 3.4e38, 1e-45]);
      return a;
    }
    default: {
      const a = new Float64Array(N).map(() => rng.normal() * 1e300);
      a.set([NaN, Infinity, -Infinity, -0, Number.MIN_VALUE, Number.MAX_VALUE]);
      return a;
    }
  }
}

const KINDS = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'float32', 'float64'];
const CODES: Record<string, number> = {
  uint8: NiftiDatatype.DT_UINT8,
  int8: NiftiDatatype.DT_INT8,
  int16: NiftiDatatype.DT_INT16,
  uint16: NiftiDatatype.DT_UINT16,
  int32: NiftiDatatype.DT_INT32,
  float32: NiftiDatatype.DT_FLOAT32,
  float64: NiftiDatatype.DT_FLOAT64
};
const CONTAINERS = ['.nii', '.nii.gz', '.hdr', '.img.gz'];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-roundtrip-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function bytesOf(a: NiftiTypedArray): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

const CASES = KINDS.flatMap(kind =>
  [1, 2].flatMap(version => CONTAINERS.flatMap(ext => [true, false].map(le => ({ kind, version, ext, le }))))
);

test.each(CASES)('$kind NIfTI-$version $ext little-endian=$le', async ({ kind, version, ext, le }) => {
  const rng = new Random(KINDS.indexOf(kind) * 100 + version);
  const data = values(kind, rng);
  const image = createImage({
    data,
    shape: SHAPE,
    affine: AFFINE,
    tr: 0.8,
    sclSlope: 1.5,
    sclInter: -2,
    sformCode: 4,
    qformCode: 4
  });
  const file = path.join(dir, `${kind}-v${version}-${le ? 'le' : 'be'}${ext}`);
  await write(file, image, { version: version as 1 | 2, littleEndian: le });
  const back = await read(file);
  expect(back.datatype).toBe(CODES[kind]);
  expect(back.header.format).toBe(version === 1 ? 'nifti1' : 'nifti2');
  expect(back.header.littleEndian).toBe(le);
  expect(back.header.pair).toBe(ext !== '.nii' && ext !== '.nii.gz');
  expect(back.shape).toEqual(SHAPE);
  expect(back.affine).toEqual(AFFINE);
  expect(back.tr).toBeCloseTo(0.8, 6);
  expect([back.slope, back.inter]).toEqual([1.5, -2]);
  expect(bytesOf(back.raw).equals(bytesOf(data))).toBe(true);
  // Writing what was read gives the same bytes again (header included).
  const again = path.join(dir, `again-${path.basename(file)}`);
  await write(again, back, { version: version as 1 | 2, littleEndian: le });
  const hdrOf = (f: string) => (f.endsWith('.img.gz') ? f.replace(/\.img\.gz$/, '.hdr.gz') : f);
  if (!ext.endsWith('.gz'))
    expect(fs.readFileSync(hdrOf(again)).equals(fs.readFileSync(hdrOf(file)))).toBe(true);
});

test('nibabel reads what we write: values, affine and datatype', async () => {
  const files: string[] = [];
  const expected: Record<string, NiftiTypedArray> = {};
  for (const kind of KINDS) {
    for (const version of [1, 2] as const) {
      const data = values(kind, new Random(7 + version));
      const file = path.join(dir, `nib-${kind}-v${version}.nii.gz`);
      await write(file, createImage({ data, shape: SHAPE, affine: AFFINE, tr: 2 }), {
        version,
        littleEndian: version === 1
      });
      files.push(file);
      expected[file] = data;
    }
  }
  const script = [
    'import json, sys, nibabel as nib, numpy as np',
    'out = []',
    'for f in sys.argv[1:]:',
    '    img = nib.load(f)',
    '    raw = np.asanyarray(img.dataobj.get_unscaled())',
    "    out.append({'affine': img.affine.tolist(), 'shape': list(img.shape), 'dtype': raw.dtype.newbyteorder('<').str,",
    "                'hex': raw.astype(raw.dtype.newbyteorder('<')).ravel(order='F').tobytes().hex(), 'tr': float(img.header.get_zooms()[3])})",
    'print(json.dumps(out))'
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const dumps = JSON.parse(r.stdout) as { affine: number[][]; shape: number[]; hex: string; tr: number }[];
  dumps.forEach((d, i) => {
    expect(d.affine).toEqual(AFFINE);
    expect(d.shape).toEqual(SHAPE);
    expect(d.tr).toBe(2);
    expect(d.hex).toBe(bytesOf(expected[files[i]]).toString('hex'));
  });
});

test('a real scaled, big-endian and NIfTI-2 file survive read-write-read unchanged', async () => {
  const real = path.resolve(__dirname, '../../../shared/data/real');
  for (const f of [
    'nibabel/functional.nii',
    'nibabel/anatomical.nii',
    'nibabel/example_nifti2.nii.gz',
    'nibabel/resampled_anat_moved.nii'
  ]) {
    const original = await read(path.join(real, f));
    const out = path.join(dir, path.basename(f));
    await write(out, original, { littleEndian: original.header.littleEndian });
    const back = await read(out);
    expect(back.header.format).toBe(original.header.format);
    expect(back.affine).toEqual(original.affine);
    expect([back.slope, back.inter, back.tr]).toEqual([original.slope, original.inter, original.tr]);
    expect(bytesOf(back.raw).equals(bytesOf(original.raw))).toBe(true);
  }
});

test('unsupported datatypes and bad extensions are refused clearly', async () => {
  const image = createImage({ data: new Int16Array(8), shape: [2, 2, 2] });
  await expect(write(path.join(dir, 'x.mgz'), image)).rejects.toThrow(/unknown NIfTI extension/);
  const file = path.join(dir, 'complex.nii');
  await write(file, image);
  const bytes = fs.readFileSync(file);
  bytes.writeInt16LE(NiftiDatatype.DT_COMPLEX64, 70);
  fs.writeFileSync(file, bytes);
  await expect(read(file)).rejects.toThrow(/datatype 32 \(DT_COMPLEX64\) is not supported/);
});
