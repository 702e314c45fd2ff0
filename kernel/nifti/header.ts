/**
 * NIfTI-1, NIfTI-2 and Analyze 7.5 header parsing into one typed record.
 *
 * Never trusts the header: byte order comes from sizeof_hdr (348 or 540 in one of the two orders),
 * the magic must match the container (`n+1`/`n+2` single file, `ni1`/`ni2` or none for a .hdr),
 * and dimensions, datatype and vox_offset are validated here, before anyone allocates voxel memory.
 */
import { NiftiFormatError } from '../errors';
import { datatypeInfo } from './datatypes';

export type NiftiFormat = 'nifti1' | 'nifti2' | 'analyze';

/** Every header field, in NIfTI-2 widths (NIfTI-1 and Analyze values are widened losslessly). */
export interface NiftiHeader {
  format: NiftiFormat;
  /** True for a .hdr/.img pair (magic ni1/ni2, or Analyze). */
  pair: boolean;
  littleEndian: boolean;
  sizeofHdr: number;
  /** dim[0] is the number of dimensions; dim[1..7] the sizes. */
  dim: number[];
  intentP1: number;
  intentP2: number;
  intentP3: number;
  intentCode: number;
  intentName: string;
  datatype: number;
  bitpix: number;
  sliceStart: number;
  sliceEnd: number;
  sliceCode: number;
  sliceDuration: number;
  /** pixdim[0] is qfac; pixdim[1..7] voxel sizes (pixdim[4] the TR as stored). */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  calMax: number;
  calMin: number;
  toffset: number;
  glmax: number;
  glmin: number;
  descrip: string;
  auxFile: string;
  qformCode: number;
  sformCode: number;
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffsetX: number;
  qoffsetY: number;
  qoffsetZ: number;
  srowX: number[];
  srowY: number[];
  srowZ: number[];
  dimInfo: number;
  magic: string;
  /** Analyze/SPM `originator` (1-based voxel of the origin), Analyze only. */
  analyzeOrigin?: number[];
}

/** Bytes a reader needs to see before it can parse any header (the NIfTI-2 size). */
export const MAX_HEADER_BYTES = 540;
/** Largest voxel payload accepted (the largest Node buffer): bigger headers are absurd, not big data. */
export const MAX_DATA_BYTES = 2 ** 32 - 1;

/** A fixed-width text field; like numpy's S dtype (and nibabel), only trailing NULs are dropped. */
function cString(bytes: Uint8Array, offset: number, length: number): string {
  let end = Math.min(offset + length, bytes.length);
  while (end > offset && bytes[end - 1] === 0) end--;
  let s = '';
  for (let i = offset; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function detectLayout(
  view: DataView,
  length: number,
  file: string
): { littleEndian: boolean; sizeofHdr: number } {
  if (length < 4)
    throw new NiftiFormatError(`file is ${length} bytes, too short for a NIfTI header`, { file });
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === 348 || size === 540) return { littleEndian, sizeofHdr: size };
  }
  throw new NiftiFormatError(
    `not a NIfTI/Analyze header: sizeof_hdr is ${view.getInt32(0, true)} (expected 348 or 540 in either byte order)`,
    { file, hint: 'is this a NIfTI file? a .nii.gz that was gzipped twice?' }
  );
}

function parseNifti1(
  bytes: Uint8Array,
  view: DataView,
  le: boolean,
  file: string,
  expectPair: boolean
): NiftiHeader {
  const magic = cString(bytes, 344, 4);
  let format: NiftiFormat = 'nifti1';
  let pair = magic === 'ni1';
  if (magic !== 'n+1' && magic !== 'ni1') {
    if (!expectPair) {
      throw new NiftiFormatError(
        `bad magic "${printable(bytes, 344, 4)}" (expected "n+1" for a single-file NIfTI-1)`,
        {
          file
        }
      );
    }
    format = 'analyze';
    pair = true;
  }
  if (magic === 'n+1' && expectPair) {
    throw new NiftiFormatError('magic "n+1" marks a single-file .nii, but this is a .hdr header', { file });
  }
  const i16 = (o: number) => view.getInt16(o, le);
  const f32 = (o: number) => view.getFloat32(o, le);
  const dim = Array.from({ length: 8 }, (_, i) => i16(40 + 2 * i));
  const pixdim = Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i));
  const analyze = format === 'analyze';
  return {
    format,
    pair,
    littleEndian: le,
    sizeofHdr: 348,
    dim,
    intentP1: analyze ? 0 : f32(56),
    intentP2: analyze ? 0 : f32(60),
    intentP3: analyze ? 0 : f32(64),
    intentCode: analyze ? 0 : i16(68),
    intentName: analyze ? '' : cString(bytes, 328, 16),
    datatype: i16(70),
    bitpix: i16(72),
    sliceStart: analyze ? 0 : i16(74),
    sliceEnd: analyze ? 0 : i16(120),
    sliceCode: analyze ? 0 : bytes[122],
    sliceDuration: analyze ? 0 : f32(132),
    pixdim,
    voxOffset: f32(108),
    // Analyze: SPM keeps its scale factor in funused1, at the offset NIfTI gave scl_slope.
    sclSlope: f32(112),
    sclInter: analyze ? 0 : f32(116),
    xyztUnits: analyze ? 0 : bytes[123],
    calMax: f32(124),
    calMin: f32(128),
    toffset: analyze ? 0 : f32(136),
    glmax: view.getInt32(140, le),
    glmin: view.getInt32(144, le),
    descrip: cString(bytes, 148, 80),
    auxFile: cString(bytes, 228, 24),
    qformCode: analyze ? 0 : i16(252),
    sformCode: analyze ? 0 : i16(254),
    quaternB: analyze ? 0 : f32(256),
    quaternC: analyze ? 0 : f32(260),
    quaternD: analyze ? 0 : f32(264),
    qoffsetX: analyze ? 0 : f32(268),
    qoffsetY: analyze ? 0 : f32(272),
    qoffsetZ: analyze ? 0 : f32(276),
    srowX: analyze ? [0, 0, 0, 0] : [0, 1, 2, 3].map(i => f32(280 + 4 * i)),
    srowY: analyze ? [0, 0, 0, 0] : [0, 1, 2, 3].map(i => f32(296 + 4 * i)),
    srowZ: analyze ? [0, 0, 0, 0] : [0, 1, 2, 3].map(i => f32(312 + 4 * i)),
    dimInfo: analyze ? 0 : bytes[39],
    magic: analyze ? '' : magic,
    analyzeOrigin: analyze ? [i16(253), i16(255), i16(257)] : undefined
  };
}

function printable(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && i < bytes.length; i++) {
    const c = bytes[i];
    s += c >= 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

const NIFTI2_MAGIC_TAIL = [0x0d, 0x0a, 0x1a, 0x0a];

function parseNifti2(
  bytes: Uint8Array,
  view: DataView,
  le: boolean,
  file: string,
  expectPair: boolean
): NiftiHeader {
  const magic = cString(bytes, 4, 4);
  const tailOk = NIFTI2_MAGIC_TAIL.every((b, i) => bytes[8 + i] === b);
  if ((magic !== 'n+2' && magic !== 'ni2') || !tailOk) {
    throw new NiftiFormatError(
      `bad magic "${printable(bytes, 4, 8)}" (expected "n+2\\0\\r\\n\\x1a\\n" or "ni2\\0...")`,
      {
        file
      }
    );
  }
  if (magic === 'n+2' && expectPair) {
    throw new NiftiFormatError('magic "n+2" marks a single-file .nii, but this is a .hdr header', { file });
  }
  if (magic === 'ni2' && !expectPair) {
    throw new NiftiFormatError('magic "ni2" marks a .hdr/.img pair, but this is a single-file .nii', {
      file
    });
  }
  const i64 = (o: number) => Number(view.getBigInt64(o, le));
  const f64 = (o: number) => view.getFloat64(o, le);
  const i32 = (o: number) => view.getInt32(o, le);
  return {
    format: 'nifti2',
    pair: magic === 'ni2',
    littleEndian: le,
    sizeofHdr: 540,
    dim: Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i)),
    intentP1: f64(80),
    intentP2: f64(88),
    intentP3: f64(96),
    intentCode: i32(504),
    intentName: cString(bytes, 508, 16),
    datatype: view.getInt16(12, le),
    bitpix: view.getInt16(14, le),
    sliceStart: i64(224),
    sliceEnd: i64(232),
    sliceCode: i32(496),
    sliceDuration: f64(208),
    pixdim: Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i)),
    voxOffset: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    xyztUnits: i32(500),
    calMax: f64(192),
    calMin: f64(200),
    toffset: f64(216),
    glmax: 0,
    glmin: 0,
    descrip: cString(bytes, 240, 80),
    auxFile: cString(bytes, 320, 24),
    qformCode: i32(344),
    sformCode: i32(348),
    quaternB: f64(352),
    quaternC: f64(360),
    quaternD: f64(368),
    qoffsetX: f64(376),
    qoffsetY: f64(384),
    qoffsetZ: f64(392),
    srowX: [0, 1, 2, 3].map(i => f64(400 + 8 * i)),
    srowY: [0, 1, 2, 3].map(i => f64(432 + 8 * i)),
    srowZ: [0, 1, 2, 3].map(i => f64(464 + 8 * i)),
    dimInfo: bytes[524],
    magic
  };
}

/**
 * Parses the header at the start of `bytes` (at least 348 bytes; 540 for NIfTI-2) and validates it.
 * `expectPair` is true when the bytes come from a .hdr file (ni1/ni2 magic, or Analyze without one).
 */
export function parseHeader(bytes: Uint8Array, file: string, expectPair: boolean): NiftiHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { littleEndian, sizeofHdr } = detectLayout(view, bytes.length, file);
  if (bytes.length < sizeofHdr) {
    throw new NiftiFormatError(`truncated header: ${bytes.length} of ${sizeofHdr} bytes`, { file });
  }
  const header =
    sizeofHdr === 348
      ? parseNifti1(bytes, view, littleEndian, file, expectPair)
      : parseNifti2(bytes, view, littleEndian, file, expectPair);
  validateHeader(header, file);
  return header;
}

/** The image shape, dim[1..dim[0]]. */
export function headerShape(header: NiftiHeader): number[] {
  return header.dim.slice(1, 1 + header.dim[0]);
}

/** Bytes of voxel data the header declares (validated, so this is a safe integer). */
export function dataByteLength(header: NiftiHeader): number {
  return headerShape(header).reduce((a, b) => a * b, 1) * datatypeInfo(header.datatype).bytes;
}

/** Offset of the voxel data: vox_offset for single files and pairs alike (pairs usually say 0). */
export function dataOffset(header: NiftiHeader): number {
  return header.voxOffset;
}

function validateHeader(h: NiftiHeader, file: string): void {
  const ndim = h.dim[0];
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
    throw new NiftiFormatError(`dim[0] is ${ndim}; a NIfTI image has 1 to 7 dimensions`, { file });
  }
  let voxels = 1;
  for (let i = 1; i <= ndim; i++) {
    const n = h.dim[i];
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new NiftiFormatError(`dim[${i}] is ${n}; every used dimension must be at least 1`, { file });
    }
    voxels *= n;
    if (voxels > MAX_DATA_BYTES) break;
  }
  const info = datatypeInfo(h.datatype, file);
  const bytes = voxels * info.bytes;
  if (bytes > MAX_DATA_BYTES) {
    throw new NiftiFormatError(
      `absurd dimensions ${headerShape(h).join('x')}: ${voxels} voxels of ${info.bytes} bytes exceed ${MAX_DATA_BYTES} bytes`,
      { file }
    );
  }
  if (!Number.isInteger(h.voxOffset) || h.voxOffset < 0 || h.voxOffset > MAX_DATA_BYTES) {
    throw new NiftiFormatError(`vox_offset ${h.voxOffset} is not a usable byte offset`, { file });
  }
  if (!h.pair && h.voxOffset < h.sizeofHdr) {
    throw new NiftiFormatError(`vox_offset ${h.voxOffset} points inside the ${h.sizeofHdr}-byte header`, {
      file
    });
  }
}
