/**
 * The sequence sampler (spec 6.2): each cached run gives clips of `sequenceLength` frames (20) at
 * starts 0, stride, 2*stride, ... <= frames - sequenceLength (stride defaults to the sequence length:
 * non-overlapping clips, as the official code with stride_between_seq = 1). Batches are Float32
 * host tensors {data, shape: [B, 1, 96, 96, 96, T]} in row-major order (T fastest).
 *
 * Frames are read as one contiguous window from the cache, dequantised (q * scale) and interleaved
 * so T is the fastest axis; nothing else of the run is loaded.
 */
import { ShapeError } from '../errors';
import { CacheHeader, readCacheFrames, readCacheHeader } from './frame-cache';
import { Random } from '../random';

export interface Clip {
  cache: string;
  /** First frame of the clip. */
  start: number;
  length: number;
  /** Free-form identity carried to the batch (subject, session...). */
  subject: string;
}

export interface ClipOptions {
  /** Frames per clip; default 20 (spec 1, sequence_length). */
  sequenceLength?: number;
  /** Frames between clip starts; default = sequenceLength (non-overlapping). */
  stride?: number;
}

/** The clips of one cached run. */
export function clipsOf(
  cache: string,
  header: CacheHeader,
  subject: string,
  options: ClipOptions = {}
): Clip[] {
  const length = options.sequenceLength ?? 20;
  const stride = options.stride ?? length;
  if (!Number.isInteger(length) || length < 1 || !Number.isInteger(stride) || stride < 1) {
    throw new ShapeError(`sequenceLength and stride must be positive integers; got ${length} and ${stride}`);
  }
  const clips: Clip[] = [];
  for (let start = 0; start + length <= header.frames; start += stride)
    clips.push({ cache, start, length, subject });
  return clips;
}

export interface Batch {
  /** Row-major [B, 1, 96, 96, 96, T]. */
  data: Float32Array;
  shape: [number, number, number, number, number, number];
  clips: Clip[];
}

/**
 * Writes one clip into `out` at `offset` as [1, X, Y, Z, T] row-major: out[offset + v*T + t] =
 * frame_t[v] * scale, where frames are stored row-major [X, Y, Z].
 */
export async function readClip(
  clip: Clip,
  out: Float32Array,
  offset = 0,
  header?: CacheHeader
): Promise<void> {
  const h = header ?? (await readCacheHeader(clip.cache));
  const volume = h.frameBytes;
  if (out.length - offset < volume * clip.length)
    throw new ShapeError(
      `output holds ${out.length - offset} values; the clip needs ${volume * clip.length}`
    );
  const q = await readCacheFrames(clip.cache, h, clip.start, clip.length);
  const scale = h.scale;
  const T = clip.length;
  // Sequential writes, T strided read streams (faster than strided writes).
  for (let v = 0, o = offset; v < volume; v++)
    for (let t = 0, i = v; t < T; t++, i += volume) out[o++] = q[i] * scale;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffles clip order with this generator (training); none keeps the order. */
  shuffle?: Random;
  /** Drop a last incomplete batch (the official loaders do, spec 5). Default false. */
  dropLast?: boolean;
}

/** Yields batches over `clips` (all of one length). Headers are read once per cache file. */
export async function* batches(clips: Clip[], options: BatchOptions): AsyncGenerator<Batch> {
  if (clips.length === 0) return;
  const T = clips[0].length;
  if (clips.some(c => c.length !== T))
    throw new ShapeError('all clips of a batch stream must have the same length');
  const order = options.shuffle ? options.shuffle.shuffle([...clips]) : clips;
  const headers = new Map<string, CacheHeader>();
  for (let i = 0; i < order.length; i += options.batchSize) {
    const group = order.slice(i, i + options.batchSize);
    if (group.length < options.batchSize && options.dropLast) return;
    let edge = 0;
    for (const c of group) {
      let h = headers.get(c.cache);
      if (!h) headers.set(c.cache, (h = await readCacheHeader(c.cache)));
      edge = h.shape[0];
    }
    const per = edge * edge * edge * T;
    const data = new Float32Array(group.length * per);
    for (const [b, c] of group.entries()) await readClip(c, data, b * per, headers.get(c.cache));
    yield { data, shape: [group.length, 1, edge, edge, edge, T], clips: group };
  }
}
