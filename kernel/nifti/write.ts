/**
 * Writing NIfTI-1/2: .nii, .nii.gz and .hdr/.img pairs, either byte order. Voxel bytes are written
 * exactly as stored in the image (`raw`), so write-then-read is bit-exact. Files appear atomically.
 */
import * as zlib from 'zlib';
import { NiftiFormatError } from '../errors';
import { writeFileAtomic, writeStreamAtomic } from '../io/atomic';
import { datatypeInfo, swapBytes } from './datatypes';
import { NiftiHeader } from './header';
import { NiftiImage } from './image';

export interface WriteOptions {
  /** NIfTI version; default: the image's own (NIfTI-1 for Analyze and in-memory images). */
  version?: 1 | 2;
  /** Default true. */
  littleEndian?: boolean;
  /** zlib level for .gz outputs (1 fastest .. 9 smallest); default 6. */
  gzipLevel?: number;
  /**
   * zlib strategy for .gz outputs. 'rle' (run-length matches only) is 3-4x faster than the default
   * on noisy volumes with zero background and compresses them as well; 'default' suits smooth images.
   */
  gzipStrategy?: 'default' | 'rle';
}

function putString(bytes: Uint8Array, offset: number, length: number, text: string): void {
  for (let i = 0; i < length; i++) bytes[offset + i] = i < text.length ? text.charCodeAt(i) & 0x7f : 0;
}

function encodeNifti1(h: NiftiHeader, le: boolean, pair: boolean, voxOffset: number): Uint8Array {
  const tooBig = h.dim.find(d => d > 32767);
  if (tooBig !== undefined) {
    throw new NiftiFormatError(`dimension ${tooBig} does not fit NIfTI-1's int16 dim field`, {
      hint: 'write with { version: 2 }'
    });
  }
  const bytes = new Uint8Array(pair ? 348 : voxOffset);
  const v = new DataView(bytes.buffer);
  v.setInt32(0, 348, le);
  bytes[38] = 'r'.charCodeAt(0);
  bytes[39] = h.dimInfo;
  h.dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, le));
  v.setFloat32(56, h.intentP1, le);
  v.setFloat32(60, h.intentP2, le);
  v.setFloat32(64, h.intentP3, le);
  v.setInt16(68, h.intentCode, le);
  v.setInt16(70, h.datatype, le);
  v.setInt16(72, h.bitpix, le);
  v.setInt16(74, h.sliceStart, le);
  h.pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, le));
  v.setFloat32(108, voxOffset, le);
  v.setFloat32(112, h.sclSlope, le);
  v.setFloat32(116, h.sclInter, le);
  v.setInt16(120, h.sliceEnd, le);
  bytes[122] = h.sliceCode;
  bytes[123] = h.xyztUnits;
  v.setFloat32(124, h.calMax, le);
  v.setFloat32(128, h.calMin, le);
  v.setFloat32(132, h.sliceDuration, le);
  v.setFloat32(136, h.toffset, le);
  v.setInt32(140, h.glmax, le);
  v.setInt32(144, h.glmin, le);
  putString(bytes, 148, 80, h.descrip);
  putString(bytes, 228, 24, h.auxFile);
  v.setInt16(252, h.qformCode, le);
  v.setInt16(254, h.sformCode, le);
  [h.quaternB, h.quaternC, h.quaternD, h.qoffsetX, h.qoffsetY, h.qoffsetZ].forEach((q, i) =>
    v.setFloat32(256 + 4 * i, q, le)
  );
  [...h.srowX, ...h.srowY, ...h.srowZ].forEach((s, i) => v.setFloat32(280 + 4 * i, s, le));
  putString(bytes, 328, 16, h.intentName);
  putString(bytes, 344, 4, pair ? 'ni1' : 'n+1');
  return bytes;
}

function encodeNifti2(h: NiftiHeader, le: boolean, pair: boolean, voxOffset: number): Uint8Array {
  const bytes = new Uint8Array(pair ? 540 : voxOffset);
  const v = new DataView(bytes.buffer);
  v.setInt32(0, 540, le);
  putString(bytes, 4, 4, pair ? 'ni2' : 'n+2');
  bytes.set([0x0d, 0x0a, 0x1a, 0x0a], 8);
  v.setInt16(12, h.datatype, le);
  v.setInt16(14, h.bitpix, le);
  h.dim.forEach((d, i) => v.setBigInt64(16 + 8 * i, BigInt(d), le));
  v.setFloat64(80, h.intentP1, le);
  v.setFloat64(88, h.intentP2, le);
  v.setFloat64(96, h.intentP3, le);
  h.pixdim.forEach((p, i) => v.setFloat64(104 + 8 * i, p, le));
  v.setBigInt64(168, BigInt(voxOffset), le);
  v.setFloat64(176, h.sclSlope, le);
  v.setFloat64(184, h.sclInter, le);
  v.setFloat64(192, h.calMax, le);
  v.setFloat64(200, h.calMin, le);
  v.setFloat64(208, h.sliceDuration, le);
  v.setFloat64(216, h.toffset, le);
  v.setBigInt64(224, BigInt(h.sliceStart), le);
  v.setBigInt64(232, BigInt(h.sliceEnd), le);
  putString(bytes, 240, 80, h.descrip);
  putString(bytes, 320, 24, h.auxFile);
  v.setInt32(344, h.qformCode, le);
  v.setInt32(348, h.sformCode, le);
  [h.quaternB, h.quaternC, h.quaternD, h.qoffsetX, h.qoffsetY, h.qoffsetZ].forEach((q, i) =>
    v.setFloat64(352 + 8 * i, q, le)
  );
  [...h.srowX, ...h.srowY, ...h.srowZ].forEach((s, i) => v.setFloat64(400 + 8 * i, s, le));
  v.setInt32(496, h.sliceCode, le);
  v.setInt32(500, h.xyztUnits, le);
  v.setInt32(504, h.intentCode, le);
  putString(bytes, 508, 16, h.intentName);
  bytes[524] = h.dimInfo;
  return bytes;
}

/** Header bytes (single file: padded to vox_offset with a zero extension flag) for `image`. */
export function encodeHeader(image: NiftiImage, options: WriteOptions & { pair?: boolean } = {}): Uint8Array {
  const version = options.version ?? (image.header.format === 'nifti2' ? 2 : 1);
  const le = options.littleEndian ?? true;
  const pair = options.pair ?? false;
  // Single files: header + 4-byte extension flag (all zero: no extensions), data at 352 / 544.
  const voxOffset = pair ? 0 : version === 1 ? 352 : 544;
  const info = datatypeInfo(image.datatype);
  const h: NiftiHeader = { ...image.header, bitpix: info.bytes * 8 };
  if (h.format === 'analyze') {
    // Analyze keeps the SPM scale in funused1; carry it as scl_slope and the affine as an sform.
    const a = image.affine;
    Object.assign(h, {
      sclSlope: image.slope,
      sclInter: image.inter,
      sformCode: 2,
      srowX: a[0],
      srowY: a[1],
      srowZ: a[2]
    });
  }
  return version === 1 ? encodeNifti1(h, le, pair, voxOffset) : encodeNifti2(h, le, pair, voxOffset);
}

/** Voxel bytes of `image` in the requested byte order (a copy when swapping). */
export function encodeData(image: NiftiImage, littleEndian = true): Uint8Array {
  const raw = image.raw;
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (littleEndian) return bytes;
  const copy = bytes.slice();
  swapBytes(copy, datatypeInfo(image.datatype).bytes);
  return copy;
}

/** Gzips the parts as one stream on the thread pool (no concatenated copy of the voxel data). */
function gzipParts(parts: Uint8Array[], options: WriteOptions): Promise<Uint8Array> {
  const strategy = options.gzipStrategy === 'rle' ? zlib.constants.Z_RLE : zlib.constants.Z_DEFAULT_STRATEGY;
  const gz = zlib.createGzip({ level: options.gzipLevel ?? 6, strategy, chunkSize: 1 << 20 });
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    gz.on('data', (c: Buffer) => chunks.push(c));
    gz.on('error', reject);
    gz.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    for (const p of parts) gz.write(p);
    gz.end();
  });
}

/**
 * `image` as the bytes of a single-file `.nii.gz` (NIfTI-1 unless `options.version` says 2), for
 * callers that embed or send a volume rather than write it (notebook displays).
 */
export function encodeNiftiGz(image: NiftiImage, options: WriteOptions = {}): Promise<Uint8Array> {
  const header = encodeHeader(image, { ...options, pair: false });
  return gzipParts([header, encodeData(image, options.littleEndian ?? true)], options);
}

/** Writes the parts to `path` atomically, gzipped when the name ends in .gz. */
async function writeParts(path: string, parts: Uint8Array[], options: WriteOptions): Promise<void> {
  if (/\.gz$/i.test(path)) {
    await writeFileAtomic(path, await gzipParts(parts, options));
    return;
  }
  await writeStreamAtomic(path, async put => {
    for (const p of parts) await put(p);
  });
}

/**
 * Writes `image` to `path`: `.nii`/`.nii.gz` single file, or `.hdr`/`.img` (optionally `.gz`) pair.
 * `await ns.nifti.write('out.nii.gz', image)`.
 */
export async function write(path: string, image: NiftiImage, options: WriteOptions = {}): Promise<void> {
  const le = options.littleEndian ?? true;
  const pair = /\.(hdr|img)(\.gz)?$/i.exec(path);
  if (!pair && !/\.nii(\.gz)?$/i.test(path)) {
    throw new NiftiFormatError('unknown NIfTI extension', {
      file: path,
      hint: 'use .nii, .nii.gz, .hdr or .img'
    });
  }
  const data = encodeData(image, le);
  if (!pair) {
    await writeParts(path, [encodeHeader(image, { ...options, pair: false }), data], options);
    return;
  }
  const stem = path.slice(0, pair.index);
  const gz = pair[2] ?? '';
  await writeParts(`${stem}.hdr${gz}`, [encodeHeader(image, { ...options, pair: true })], options);
  await writeParts(`${stem}.img${gz}`, [data], options);
}
