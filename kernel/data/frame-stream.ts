/**
 * A 4D run as a sequence of frames read one at a time (a gzip stream is inflated as it goes), so
 * preprocessing holds a frame or two of the source, never the whole run: memory stays flat with
 * run length, and a header that claims more frames than the file holds fails at the first missing
 * frame, having allocated one frame. Each `frames()` call is a fresh pass from the first frame.
 */
import * as os from 'os';
import { NiftiFormatError, NeuroStormError } from '../errors';
import { datatypeInfo, NiftiTypedArray, swapBytes } from '../nifti/datatypes';
import { decodeHeader } from '../nifti/decode';
import { headerShape, NiftiHeader } from '../nifti/header';
import { NiftiImage } from '../nifti/image';
import { pairPaths, read, readHeader } from '../nifti/read';
import { fileSource, readFully } from '../nifti/source';

export interface RunFrames {
  /** Names the run in errors. */
  name: string;
  /** Full shape from the header, [X, Y, Z, T] for a run. */
  shape: number[];
  /** The first frame as an image: affine, TR, scaling (null when the run is not 4D). */
  first: NiftiImage | null;
  /** Bytes of one stored frame. */
  frameBytes: number;
  /** Source frames in order: `raw` holds frame t at `offset` (valid until the next iteration step). */
  frames(): AsyncIterable<{ t: number; raw: NiftiTypedArray; offset: number }>;
}

const HOST_LE = os.endianness() === 'LE';

/** Frames of an image already in memory. */
export function memoryRunFrames(image: NiftiImage): RunFrames {
  const voxels = image.shape[0] * (image.shape[1] ?? 1) * (image.shape[2] ?? 1);
  return {
    name: image.file ?? '<memory>',
    shape: image.shape,
    first: image,
    frameBytes: voxels * image.raw.BYTES_PER_ELEMENT,
    async *frames() {
      for (let t = 0; t < (image.shape[3] ?? 1); t++) yield { t, raw: image.raw, offset: t * voxels };
    }
  };
}

/** Frames of a NIfTI/Analyze file (.nii, .nii.gz, .hdr/.img), read sequentially. */
export async function openRunFrames(file: string): Promise<RunFrames> {
  const header = await readHeader(file);
  const shape = headerShape(header);
  const info = datatypeInfo(header.datatype, file);
  const voxels = shape[0] * (shape[1] ?? 1) * (shape[2] ?? 1);
  const frameBytes = voxels * info.bytes;
  const first = shape.length === 4 ? await read(file, { frames: { start: 0, count: 1 } }) : null;
  return { name: file, shape, first, frameBytes, frames: () => streamFrames(file, header, shape, voxels, frameBytes) };
}

async function* streamFrames(file: string, header: NiftiHeader, shape: number[], voxels: number, frameBytes: number): AsyncIterable<{ t: number; raw: NiftiTypedArray; offset: number }> {
  const pair = pairPaths(file);
  const source = await fileSource(pair ? pair.img : file);
  try {
    // Single files: the header read may already hold the first data bytes.
    const prefix = pair ? new Uint8Array(0) : (await decodeHeader(source, file, false)).prefix;
    const start = header.voxOffset;
    let carry = prefix.subarray(Math.min(start, prefix.length));
    const gap = Math.max(0, start - prefix.length);
    if (gap > 0 && (await source.skip(gap)) < gap) {
      throw new NiftiFormatError(`truncated: the voxel data should start at byte ${start}, past the end of the file`, { file });
    }
    const info = datatypeInfo(header.datatype, file);
    const bytes = new Uint8Array(frameBytes);
    const frames = shape[3] ?? 1;
    for (let t = 0; t < frames; t++) {
      const fromCarry = Math.min(carry.length, frameBytes);
      bytes.set(carry.subarray(0, fromCarry));
      carry = carry.subarray(fromCarry);
      const got = fromCarry + (await readFully(source, bytes, fromCarry, frameBytes - fromCarry));
      if (got < frameBytes) {
        throw new NiftiFormatError(`truncated: frame ${t + 1} of the ${frames} the header declares has ${got} of its ${frameBytes} bytes`, {
          file,
          hint: 'the download or copy was cut short, or the header claims more frames than the file holds'
        });
      }
      if (header.littleEndian !== HOST_LE) swapBytes(bytes, info.bytes);
      yield { t, raw: info.create(bytes.buffer as ArrayBuffer, 0, voxels), offset: 0 };
    }
  } catch (err) {
    if (err instanceof NeuroStormError || typeof (err as NodeJS.ErrnoException)?.code !== 'string') throw err;
    throw new NiftiFormatError(`cannot read frames: ${(err as Error).message}`, { file, cause: err });
  } finally {
    await source.close();
  }
}
