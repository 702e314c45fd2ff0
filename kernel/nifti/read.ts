/**
 * Reading NIfTI-1/2 and Analyze images from files (.nii, .nii.gz, .hdr/.img pairs, gzipped or not)
 * and from bytes in memory (the entry point the fuzz test drives).
 */
import * as fs from 'fs';
import { NiftiFormatError } from '../errors';
import { DecodeOptions, decodeData, decodeHeader } from './decode';
import { NiftiHeader } from './header';
import { NiftiImage } from './image';
import { ByteSource, fileSource, memorySource } from './source';

const PAIR_EXT = /\.(hdr|img)(\.gz)?$/i;

/** For a .hdr or .img path: the header and image paths of the pair (same stem, matching case). */
export function pairPaths(path: string): { hdr: string; img: string } | null {
  const m = PAIR_EXT.exec(path);
  if (!m) return null;
  const stem = path.slice(0, m.index);
  const gz = m[2] ?? '';
  const upper = m[1] === m[1].toUpperCase();
  const find = (ext: string): string => {
    const candidates = [
      `${stem}.${upper ? ext.toUpperCase() : ext}${gz}`,
      `${stem}.${ext}${gz}`,
      `${stem}.${ext.toUpperCase()}${gz}`
    ];
    return candidates.find(c => fs.existsSync(c)) ?? candidates[0];
  };
  return { hdr: find('hdr'), img: find('img') };
}

async function withSource<T>(path: string, use: (source: ByteSource) => Promise<T>): Promise<T> {
  const source = await fileSource(path);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

/** Reads only the header of a file (for a pair, the .hdr). */
export async function readHeader(path: string): Promise<NiftiHeader> {
  const pair = pairPaths(path);
  return withSource(
    pair ? pair.hdr : path,
    async source => (await decodeHeader(source, path, pair !== null)).header
  );
}

/**
 * Reads an image: `await ns.nifti.read('bold.nii.gz')`. With `{ frames: { start, count } }` only
 * that window of a 4D image is read (the rest of a gzip stream is never inflated).
 */
export async function read(path: string, options: DecodeOptions = {}): Promise<NiftiImage> {
  const pair = pairPaths(path);
  if (!pair) {
    return withSource(path, async source => {
      const { header, prefix } = await decodeHeader(source, path, false);
      return decodeData(header, source, prefix, path, options);
    });
  }
  const header = await withSource(
    pair.hdr,
    async source => (await decodeHeader(source, pair.hdr, true)).header
  );
  if (!fs.existsSync(pair.img)) {
    throw new NiftiFormatError('the .img file of this .hdr/.img pair is missing', {
      file: pair.img,
      hint: `header ${pair.hdr} needs its voxel data next to it`
    });
  }
  return withSource(pair.img, source => decodeData(header, source, new Uint8Array(0), pair.img, options));
}

/**
 * Parses a single-file NIfTI (.nii bytes, gzipped or not) held in memory. `name` is used in errors.
 * Allocation is bounded by the bytes given (plain) or by the bytes the gzip stream really yields.
 */
export async function parseNifti(
  bytes: Uint8Array,
  name = '<memory>',
  options: DecodeOptions = {}
): Promise<NiftiImage> {
  const source = memorySource(bytes, name);
  try {
    const { header, prefix } = await decodeHeader(source, name, false);
    return await decodeData(header, source, prefix, name, options);
  } finally {
    await source.close();
  }
}

/** Parses a .hdr/.img pair (or Analyze 7.5) held in memory. */
export async function parseNiftiPair(
  hdr: Uint8Array,
  img: Uint8Array,
  name = '<memory>'
): Promise<NiftiImage> {
  const hdrSource = memorySource(hdr, name);
  let header: NiftiHeader;
  try {
    header = (await decodeHeader(hdrSource, name, true)).header;
  } finally {
    await hdrSource.close();
  }
  const imgSource = memorySource(img, name);
  try {
    return await decodeData(header, imgSource, new Uint8Array(0), name);
  } finally {
    await imgSource.close();
  }
}
