/**
 * Decodes a NIfTI/Analyze image from byte sources: header first, then only the voxel bytes asked
 * for (all of them, or a window of frames). The declared size is checked against what the source
 * can hold before any voxel memory is allocated; gzip data grows its buffer only as bytes arrive.
 */
import { NiftiFormatError, ShapeError } from '../errors';
import { datatypeInfo, swapBytes } from './datatypes';
import { MAX_HEADER_BYTES, NiftiHeader, dataByteLength, headerShape, parseHeader } from './header';
import { NiftiImage } from './image';
import { ByteSource, readFully } from './source';

/** A window of frames along the 4th axis: [start, start + count). */
export interface FrameWindow {
  start: number;
  count: number;
}

export interface DecodeOptions {
  /** Read only these frames of a 4D image. */
  frames?: FrameWindow;
}

interface HeaderRead {
  header: NiftiHeader;
  /** The bytes read to parse the header (single files: may already hold the start of the data). */
  prefix: Uint8Array;
}

export async function decodeHeader(
  source: ByteSource,
  name: string,
  expectPair: boolean
): Promise<HeaderRead> {
  const prefix = new Uint8Array(MAX_HEADER_BYTES);
  const n = await readFully(source, prefix, 0, MAX_HEADER_BYTES);
  const bytes = prefix.subarray(0, n);
  return { header: parseHeader(bytes, name, expectPair), prefix: bytes };
}

function windowBytes(
  header: NiftiHeader,
  frames: FrameWindow | undefined,
  name: string
): { skip: number; length: number; header: NiftiHeader } {
  const total = dataByteLength(header);
  if (!frames) return { skip: 0, length: total, header };
  const shape = headerShape(header);
  if (shape.length !== 4) {
    throw new ShapeError(`a frame window needs a 4D image; this one is ${shape.join('x')}`, { file: name });
  }
  const { start, count } = frames;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 1 ||
    start + count > shape[3]
  ) {
    throw new ShapeError(
      `frames [${start}, ${start + count}) are outside the ${shape[3]} frames of the image`,
      {
        file: name
      }
    );
  }
  const frameBytes = total / shape[3];
  const dim = [...header.dim];
  dim[4] = count;
  return { skip: start * frameBytes, length: count * frameBytes, header: { ...header, dim } };
}

/** A buffer that grows (doubling, capped at `target`) as data arrives: never more than twice what came. */
async function readGrowing(
  source: ByteSource,
  target: number,
  initial: number
): Promise<{ bytes: Uint8Array; got: number }> {
  let bytes = new Uint8Array(Math.min(target, initial));
  let got = 0;
  for (;;) {
    got += await readFully(source, bytes, got, bytes.length - got);
    if (got < bytes.length || bytes.length === target) return { bytes, got };
    const bigger = new Uint8Array(Math.min(target, bytes.length * 2));
    bigger.set(bytes);
    bytes = bigger;
  }
}

/**
 * Reads the voxel data described by `header` from `source`. For single files `prefix` holds the
 * bytes already consumed from the start of the same source (the header read).
 */
export async function decodeData(
  header: NiftiHeader,
  source: ByteSource,
  prefix: Uint8Array,
  name: string,
  options: DecodeOptions = {}
): Promise<NiftiImage> {
  const window = windowBytes(header, options.frames, name);
  const start = header.voxOffset + window.skip;
  const end = start + window.length;
  if (end > source.maxBytes) {
    const what = source.compressed
      ? `a gzip stream of ${source.storedBytes} bytes cannot hold that much`
      : `the file holds only ${source.maxBytes} bytes`;
    throw new NiftiFormatError(`header declares ${end} bytes (voxel data ends at byte ${end}) but ${what}`, {
      file: name,
      hint: 'the file is truncated or its header is wrong'
    });
  }
  // Bytes of the window already in the prefix, then skip to where the rest starts.
  const fromPrefix = prefix.subarray(Math.min(start, prefix.length), Math.min(end, prefix.length));
  const afterPrefix = Math.max(0, start - prefix.length);
  if (afterPrefix > 0 && (await source.skip(afterPrefix)) < afterPrefix) {
    throw new NiftiFormatError(
      `truncated: the voxel data should start at byte ${start}, past the end of the file`,
      {
        file: name
      }
    );
  }
  let bytes: Uint8Array;
  let got: number;
  if (source.compressed) {
    const initial = Math.max(1 << 20, source.storedBytes * 64);
    ({ bytes, got } = await readGrowing(source, window.length, initial));
    if (fromPrefix.length > 0) {
      // The prefix starts the window: shift the streamed bytes behind it (prefixes are < 540 bytes).
      bytes.copyWithin(fromPrefix.length, 0, Math.min(got, bytes.length - fromPrefix.length));
      bytes.set(fromPrefix, 0);
      got = Math.min(bytes.length, got + fromPrefix.length);
    }
  } else {
    bytes = new Uint8Array(window.length);
    bytes.set(fromPrefix, 0);
    got =
      fromPrefix.length +
      (await readFully(source, bytes, fromPrefix.length, window.length - fromPrefix.length));
  }
  if (got < window.length) {
    throw new NiftiFormatError(
      `truncated: ${got} of the ${window.length} voxel bytes the header declares are present`,
      {
        file: name,
        hint: 'the download or copy was cut short'
      }
    );
  }
  const info = datatypeInfo(header.datatype, name);
  if (header.littleEndian !== isLittleEndianHost()) swapBytes(bytes, info.bytes);
  const raw = info.create(bytes.buffer as ArrayBuffer, bytes.byteOffset, window.length / info.bytes);
  return new NiftiImage(window.header, raw, name);
}

let hostLittleEndian: boolean | null = null;
function isLittleEndianHost(): boolean {
  if (hostLittleEndian === null) hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  return hostLittleEndian;
}
