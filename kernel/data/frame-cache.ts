/**
 * The frame cache: ONE file per subject run holding the preprocessed int8 frames (spec 6.1 step 8:
 * frames int8 [T, X, Y, Z] plus a float scale), so a window of frames is one contiguous read.
 *
 * Layout: "NSFRAME1" (8 bytes) | uint32 LE header length | header JSON | zero padding to 64 |
 * frames. Each frame is 96^3 int8 values in row-major [X, Y, Z] order (z fastest) on the model grid;
 * value = q * scale. The header lists every frame's byte offset and what preprocessing did.
 */
import * as fs from 'fs';
import { DatasetError } from '../errors';

export const CACHE_MAGIC = 'NSFRAME1';
/** Bump when the pipeline's numbers change, so old caches are rebuilt. */
export const CACHE_VERSION = 1;

export interface CacheHeader {
  version: number;
  /** Spatial shape of each frame, row-major [X, Y, Z] (96^3). */
  shape: [number, number, number];
  frames: number;
  /** Dequantisation factor: value = int8 * scale. */
  scale: number;
  /** Quantised background value (min of the normalised foreground, spec 6.1 step 6). */
  background: number;
  /** Seconds per frame after temporal resampling. */
  tr: number;
  frameBytes: number;
  /** Byte offset of each frame in the file. */
  frameOffsets: number[];
  /** The source run and the fingerprint the cache is keyed by. */
  source: { file: string; sha256: string; optionsKey: string };
  /** Foreground statistics before normalisation. */
  stats: { mean: number; std: number; foregroundVoxelFrames: number };
  /** Human-readable record of every step, in order. */
  steps: string[];
}

const ALIGN = 64;

/** Header bytes (magic, length, JSON, padding) for a header whose frame offsets are filled in here. */
export function encodeCacheHeader(header: Omit<CacheHeader, 'frameOffsets'>): {
  bytes: Uint8Array;
  header: CacheHeader;
} {
  // The offsets depend on the header size, which depends on the offsets' digits: iterate to a fixpoint.
  let dataStart = 0;
  for (let guard = 0; guard < 8; guard++) {
    const full: CacheHeader = {
      ...header,
      frameOffsets: Array.from({ length: header.frames }, (_, t) => dataStart + t * header.frameBytes)
    };
    const json = Buffer.from(JSON.stringify(full), 'utf8');
    const start = Math.ceil((12 + json.length) / ALIGN) * ALIGN;
    if (start === dataStart) {
      const bytes = new Uint8Array(start);
      bytes.set(Buffer.from(CACHE_MAGIC, 'ascii'), 0);
      new DataView(bytes.buffer).setUint32(8, json.length, true);
      bytes.set(json, 12);
      return { bytes, header: full };
    }
    dataStart = start;
  }
  throw new DatasetError('frame cache header did not converge');
}

/** Reads and validates a cache file's header (never the frames). */
export async function readCacheHeader(file: string): Promise<CacheHeader> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (err) {
    throw new DatasetError(`cannot open frame cache: ${(err as Error).message}`, { file, cause: err });
  }
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(12);
    await handle.read(head, 0, 12, 0);
    if (Buffer.from(head.subarray(0, 8)).toString('ascii') !== CACHE_MAGIC) {
      throw new DatasetError('not a NeuroSTORM frame cache (bad magic)', {
        file,
        hint: 'delete it; preprocess rebuilds it'
      });
    }
    const length = new DataView(head.buffer).getUint32(8, true);
    if (length > size - 12 || length > 64 * 2 ** 20)
      throw new DatasetError(`frame cache header length ${length} exceeds the file`, { file });
    const json = new Uint8Array(length);
    await handle.read(json, 0, length, 12);
    let header: CacheHeader;
    try {
      header = JSON.parse(Buffer.from(json).toString('utf8')) as CacheHeader;
    } catch (err) {
      throw new DatasetError('frame cache header is not valid JSON', { file, cause: err });
    }
    const last = header.frameOffsets?.[header.frames - 1];
    if (
      header.version !== CACHE_VERSION ||
      !Array.isArray(header.frameOffsets) ||
      header.frameOffsets.length !== header.frames
    ) {
      throw new DatasetError(
        `frame cache version ${header.version} or frame table does not match version ${CACHE_VERSION}`,
        { file, hint: 'preprocess again' }
      );
    }
    if (last === undefined || last + header.frameBytes > size) {
      throw new DatasetError(
        `frame cache is truncated: ${header.frames} frames need ${last === undefined ? '?' : last + header.frameBytes} bytes, file has ${size}`,
        { file }
      );
    }
    return header;
  } finally {
    await handle.close();
  }
}

/** Reads `count` frames starting at `start` as int8 (frames are contiguous: one read). */
export async function readCacheFrames(
  file: string,
  header: CacheHeader,
  start: number,
  count: number
): Promise<Int8Array> {
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 1 ||
    start + count > header.frames
  ) {
    throw new DatasetError(
      `frames [${start}, ${start + count}) are outside the ${header.frames} cached frames`,
      { file }
    );
  }
  const out = new Int8Array(count * header.frameBytes);
  const handle = await fs.promises.open(file, 'r');
  try {
    const bytes = new Uint8Array(out.buffer);
    let got = 0;
    while (got < bytes.length) {
      const { bytesRead } = await handle.read(
        bytes,
        got,
        bytes.length - got,
        header.frameOffsets[start] + got
      );
      if (bytesRead === 0) throw new DatasetError('frame cache ended early', { file });
      got += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return out;
}
