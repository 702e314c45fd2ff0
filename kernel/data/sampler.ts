/**
 * The sequence sampler (spec 6.2): each cached run gives clips of `sequenceLength` frames (20) at
 * starts 0, stride, 2*stride, ... <= frames - sequenceLength (stride defaults to the sequence length:
 * non-overlapping clips, as the official code with stride_between_seq = 1). Batches are Float32
 * host tensors {data, shape: [B, 1, 96, 96, 96, T]} in row-major order (T fastest), optionally
 * average-pooled in space (`pool`: 2 gives the CPU configuration's 48³).
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
 * frame_t[v] * scale, where frames are stored row-major [X, Y, Z]. With `pool` = k > 1 each axis is
 * average-pooled by k (the 2 mm cache becomes 2k mm input, e.g. 96³ → 48³ for the CPU configuration).
 */
export async function readClip(
  clip: Clip,
  out: Float32Array,
  offset = 0,
  header?: CacheHeader,
  pool = 1
): Promise<void> {
  const h = header ?? (await readCacheHeader(clip.cache));
  const volume = h.frameBytes;
  const [X, Y, Z] = h.shape;
  if (!Number.isInteger(pool) || pool < 1 || X % pool || Y % pool || Z % pool)
    throw new ShapeError(`pool must be a positive integer dividing the cache grid ${h.shape.join('x')}; got ${pool}`);
  const pooled = volume / pool ** 3;
  if (out.length - offset < pooled * clip.length)
    throw new ShapeError(
      `output holds ${out.length - offset} values; the clip needs ${pooled * clip.length}`
    );
  const q = await readCacheFrames(clip.cache, h, clip.start, clip.length);
  const scale = h.scale;
  const T = clip.length;
  if (pool === 1) {
    // Sequential writes, T strided read streams (faster than strided writes).
    for (let v = 0, o = offset; v < volume; v++)
      for (let t = 0, i = v; t < T; t++, i += volume) out[o++] = q[i] * scale;
    return;
  }
  const [py, pz] = [Y / pool, Z / pool];
  const k = scale / pool ** 3;
  const sums = new Float64Array(pooled);
  for (let t = 0; t < T; t++) {
    sums.fill(0);
    const base = t * volume;
    for (let x = 0; x < X; x++) {
      const ox = ((x / pool) | 0) * py;
      for (let y = 0; y < Y; y++) {
        const oxy = (ox + ((y / pool) | 0)) * pz;
        const row = base + (x * Y + y) * Z;
        for (let z = 0; z < Z; z++) sums[oxy + ((z / pool) | 0)] += q[row + z];
      }
    }
    for (let v = 0; v < pooled; v++) out[offset + v * T + t] = sums[v] * k;
  }
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffles clip order with this generator (training); none keeps the order. */
  shuffle?: Random;
  /** Drop a last incomplete batch (the official loaders do, spec 5). Default false. */
  dropLast?: boolean;
  /**
   * Fill a last incomplete batch by repeating its last clip, so every batch has `batchSize` rows and
   * one inference session (fixed batch) serves them all; `count` says how many rows are real. Default false.
   */
  padLast?: boolean;
  /** Average-pool each spatial axis by this factor (readClip); default 1. */
  pool?: number;
  /** Centre each clip voxel-wise (readBatch `centre`); default false. */
  centre?: boolean;
  /** Gain on the (centred) input (readBatch `scale`); default 1. */
  scale?: number;
}

/** A batch of a stream: its first `count` rows are the stream's clips (fewer than the rows only in a padded last batch). */
export interface StreamBatch extends Batch {
  count: number;
}

/**
 * Subtracts each voxel's mean over the clip's frames (data [.., T] with T fastest), in place: what is
 * left is the clip's fluctuation around its static image. Not in the official pipeline (spec §6);
 * the CPU configuration uses it because the static anatomy otherwise dominates a small model's input.
 */
export function centreClipFrames(data: Float32Array, T: number): void {
  for (let v = 0; v < data.length; v += T) {
    let s = 0;
    for (let t = 0; t < T; t++) s += data[v + t];
    s /= T;
    for (let t = 0; t < T; t++) data[v + t] -= s;
  }
}

/**
 * The input gain that brings the centred in-brain fluctuation of `clips` to unit mean square:
 * 1 / RMS over every in-brain value (a voxel is in-brain when its centred clip is not all zero) of
 * all the clips together. One gain for a whole data set, not one per clip or run: it keeps the
 * regional amplitude pattern and the between-subject difference of global amplitude that the
 * participant effects live in (a per-clip RMS would divide the latter away). Reads the clips again,
 * so callers pass a sample of their training clips.
 */
export async function unitGain(clips: readonly Clip[], pool = 1, headers = new Map<string, CacheHeader>()): Promise<number> {
  let sum = 0;
  let n = 0;
  for (const c of clips) {
    const b = await readBatch([c], pool, headers, true);
    const T = c.length;
    for (let v = 0; v < b.data.length; v += T) {
      let e = 0;
      for (let t = 0; t < T; t++) e += b.data[v + t] * b.data[v + t];
      if (e > 0) {
        sum += e;
        n += T;
      }
    }
  }
  if (n === 0 || !(sum > 0)) throw new ShapeError('the clips have no fluctuation to scale: every voxel is constant over its clip');
  return 1 / Math.sqrt(sum / n);
}

/**
 * One batch of the given clips, in order: [B, 1, X/pool, Y/pool, Z/pool, T]; with `centre`, every
 * voxel's clip mean is removed (centreClipFrames); then every value is multiplied by `scale` (the
 * recorded input gain, unitGain; 1 leaves the values as they are).
 */
export async function readBatch(clips: readonly Clip[], pool = 1, headers = new Map<string, CacheHeader>(), centre = false, scale = 1): Promise<Batch> {
  if (clips.length === 0) throw new ShapeError('a batch needs at least one clip');
  const T = clips[0].length;
  if (clips.some(c => c.length !== T)) throw new ShapeError('all clips of a batch must have the same length');
  let edge = 0;
  for (const c of clips) {
    let h = headers.get(c.cache);
    if (!h) headers.set(c.cache, (h = await readCacheHeader(c.cache)));
    if (h.shape[0] % pool) throw new ShapeError(`pool ${pool} does not divide the cache edge ${h.shape[0]}`, { file: c.cache });
    edge = h.shape[0] / pool;
  }
  const per = edge * edge * edge * T;
  const data = new Float32Array(clips.length * per);
  for (const [b, c] of clips.entries()) await readClip(c, data, b * per, headers.get(c.cache), pool);
  if (centre) centreClipFrames(data, T);
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] *= scale;
  return { data, shape: [clips.length, 1, edge, edge, edge, T], clips: [...clips] };
}

/** Yields batches over `clips` (all of one length). Headers are read once per cache file. */
export async function* batches(clips: readonly Clip[], options: BatchOptions): AsyncGenerator<StreamBatch> {
  if (clips.length === 0) return;
  const T = clips[0].length;
  if (clips.some(c => c.length !== T))
    throw new ShapeError('all clips of a batch stream must have the same length');
  const order = options.shuffle ? options.shuffle.shuffle([...clips]) : clips;
  const headers = new Map<string, CacheHeader>();
  for (let i = 0; i < order.length; i += options.batchSize) {
    const group = order.slice(i, i + options.batchSize);
    if (group.length < options.batchSize && options.dropLast) return;
    const rows = [...group];
    if (options.padLast) while (rows.length < options.batchSize) rows.push(group[group.length - 1]);
    yield { ...(await readBatch(rows, options.pool ?? 1, headers, options.centre ?? false, options.scale ?? 1)), count: group.length };
  }
}
