/**
 * `ns.data.preprocess`: NeuroSTORM volume preprocessing (spec 6.1) into one frame cache per run.
 *
 * Per run: onto the MNI 2 mm LAS grid, cropped/padded to 96^3 (spatial.ts) -> temporal resampling
 * to TR 0.8 s (linear, align_corners=False) -> background (data == 0 in 4D, or a brain mask) ->
 * negatives to 0 -> z-normalisation over all foreground voxel-frames (unbiased sd) with background
 * set to the normalised foreground minimum -> int8 (scale = max|x| / 127, round half to even) ->
 * frame cache. Caches are keyed by the source file's SHA-256 and the options, and reused.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AbortedError, DatasetError, DiskFullError, ItemFailure, NeuroStormError, PartialFailureError } from '../errors';
import { writeStreamAtomic } from '../io/atomic';
import { fileSha256 } from '../io/hash';
import { tryLock, waitForLock } from '../io/lock';
import { NiftiImage } from '../nifti/image';
import { read } from '../nifti/read';
import { BidsDataset, BidsRun, openBids } from './bids';
import { CACHE_VERSION, CacheHeader, encodeCacheHeader, readCacheHeader } from './frame-cache';
import { gridOf, MNI_2MM_LAS, MODEL_EDGE } from './grid';
import { LongWorkOptions, checkAborted } from '../progress';
import { applySpatial, modelToTargetOffset, planSpatial, SpatialPlan } from './spatial';
import { memoryRunFrames, openRunFrames, RunFrames } from './frame-stream';

const { sqrt, round, floor, min, max, abs } = Math;

/** The official temporal resolution (spec 6.1 step 3). */
export const TARGET_TR = 0.8;

export interface RunPreprocessOptions {
  /** Seconds; overrides the header TR (BIDS sidecars win over headers). */
  tr?: number | null;
  /** Resample in time to this TR (seconds); null keeps the run's frames. Default 0.8. */
  targetTr?: number | null;
  /** A brain mask NIfTI (any grid): background = mask == 0. Default: background = data == 0 (4D). */
  mask?: string | null;
  /**
   * Memory for one run (MiB, default 256): within it the run's spatial frames are kept between the
   * two passes; beyond it the source is streamed twice, two frames at a time (not part of the cache key).
   */
  memoryBudgetMb?: number;
}

/** SHA-256 of a file's bytes (the cache key's content part); kept exported here for callers of ns.data. */
export { fileSha256 };

function optionsKey(options: RunPreprocessOptions, maskHash: string | null): string {
  const key = JSON.stringify({
    v: CACHE_VERSION,
    tr: options.tr ?? null,
    targetTr: options.targetTr === undefined ? TARGET_TR : options.targetTr,
    mask: maskHash
  });
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Round half to even (torch.round), for the int8 quantisation. */
function roundHalfEven(y: number): number {
  let r = round(y);
  if (r - y === 0.5 && (r & 1) !== 0) r -= 1;
  return r;
}

async function maskOnModelGrid(file: string): Promise<Uint8Array> {
  const image = await read(file);
  const plan = planSpatial(gridOf(image));
  const values = new Float32Array(MODEL_EDGE ** 3);
  applySpatial(plan, image.raw, 0, image.slope, image.inter, values);
  return Uint8Array.from(values, v => (v === 0 || Number.isNaN(v) ? 1 : 0));
}

/** Default memory budget of one run's preprocessing (MiB): spatial frames are kept up to it. */
export const DEFAULT_MEMORY_BUDGET_MB = 256;

/**
 * The run's frames on the model grid, for output frame i blended from source frames i0[i], i1[i]
 * (non-decreasing). Within the memory budget every spatial frame is kept after the first pass and
 * the second pass reads memory; beyond it each pass streams the source again, holding two frames.
 */
class SpatialFrames {
  private readonly held: Float32Array[] = [];
  private complete = false;

  constructor(
    private readonly run: RunFrames,
    private readonly plan: SpatialPlan,
    private readonly slope: number,
    private readonly inter: number,
    private readonly volume: number,
    private readonly keep: boolean
  ) {}

  /** Calls `use(i, frame)` for every output frame in order (`frame` is valid during the call). */
  async forEachOutput(i0: Int32Array, i1: Int32Array, lambda: Float64Array, use: (i: number, f: Float32Array) => void | Promise<void>): Promise<void> {
    const blended = new Float32Array(this.volume);
    const volume = this.volume;
    const emit = (i: number, a: Float32Array, b: Float32Array): void | Promise<void> => {
      const l = lambda[i];
      if (l === 0) return use(i, a);
      for (let v = 0; v < volume; v++) blended[v] = a[v] + l * (b[v] - a[v]);
      return use(i, blended);
    };
    if (this.complete) {
      for (let i = 0; i < i0.length; i++) await emit(i, this.held[i0[i]], this.held[i1[i]]);
      return;
    }
    // Two slots (frames t-1 and t) unless every frame is kept: outputs still to come need frames
    // >= t-1, so frame t-2's buffer takes frame t.
    let prev: { t: number; f: Float32Array } | null = null;
    let cur: { t: number; f: Float32Array } | null = null;
    let i = 0;
    for await (const { t, raw, offset } of this.run.frames()) {
      const f: Float32Array = !this.keep && prev ? prev.f : new Float32Array(volume);
      applySpatial(this.plan, raw, offset, this.slope, this.inter, f);
      if (this.keep) this.held.push(f);
      prev = cur;
      cur = { t, f };
      while (i < i0.length && i1[i] <= t) {
        const a = i0[i] === t ? cur.f : (prev as { f: Float32Array }).f;
        await emit(i, a, i1[i] === t ? cur.f : (prev as { f: Float32Array }).f);
        i++;
      }
      if (i === i0.length) break;
    }
    if (this.keep && this.held.length === this.run.shape[3]) this.complete = true;
  }
}

/**
 * Preprocesses one run into `cacheFile`; returns the cache header. `source` is a path or an image
 * already in memory (its `file` names it in the header). Files are read frame by frame (twice
 * when the run's spatial frames exceed `memoryBudgetMb`), so memory stays flat with run length;
 * a run whose single frame does not fit the budget is refused up front.
 */
export async function preprocessRun(
  source: string | NiftiImage,
  cacheFile: string,
  options: RunPreprocessOptions = {}
): Promise<CacheHeader> {
  const run = typeof source === 'string' ? await openRunFrames(source) : memoryRunFrames(source);
  const name = run.name;
  if (run.shape.length !== 4 || !run.first)
    throw new DatasetError(`preprocessing needs a 4D run; this one is ${run.shape.join('x')}`, {
      file: name
    });
  const image = run.first;
  const steps: string[] = [];
  const tr = options.tr ?? image.tr;
  const targetTr = options.targetTr === undefined ? TARGET_TR : options.targetTr;
  if (targetTr !== null && (tr === null || !(tr > 0))) {
    throw new DatasetError('the TR is unknown, so frames cannot be resampled to 0.8 s', {
      file: name,
      hint: 'pass tr (seconds) or targetTr: null'
    });
  }
  if (image.trNote) steps.push(`TR: ${image.trNote}`);
  // Spatial: every source frame onto the row-major 96^3 model grid.
  const plan = planSpatial(gridOf({ shape: run.shape, affine: image.affine }));
  steps.push(plan.description);
  const off = MNI_2MM_LAS.shape.map(modelToTargetOffset);
  steps.push(
    `crop/pad to 96^3 from ${MNI_2MM_LAS.shape.join('x')}: model voxel i = grid voxel i ${off.map(o => (o >= 0 ? `+ ${o}` : `- ${-o}`)).join(' / ')} (x / y / z); stored row-major [X, Y, Z], X = stored NIfTI i axis`
  );
  const volume = MODEL_EDGE ** 3;
  const sourceFrames = run.shape[3];
  // Memory: one source frame, two or three spatial frames and the quantised frame at least.
  const budget = (options.memoryBudgetMb ?? DEFAULT_MEMORY_BUDGET_MB) * 2 ** 20;
  const minimum = run.frameBytes + 4 * volume * 4 + volume;
  if (minimum > budget) {
    throw new DatasetError(
      `one frame of this run needs ${(minimum / 2 ** 20).toFixed(0)} MiB to preprocess, more than the ${(budget / 2 ** 20).toFixed(0)} MiB memory budget (${run.shape.slice(0, 3).join('x')} voxels per frame)`,
      { file: name, hint: 'raise memoryBudgetMb, or resample the run to 2 mm first' }
    );
  }
  const keep = minimum + sourceFrames * volume * 4 <= budget;
  const spatial = new SpatialFrames(run, plan, image.slope, image.inter, volume, keep);
  // Temporal: output frame i blends source frames i0, i1 (spec 6.1 step 3).
  const outFrames =
    targetTr === null ? sourceFrames : max(round((sourceFrames * (tr as number)) / targetTr), 1);
  const i0 = new Int32Array(outFrames);
  const i1 = new Int32Array(outFrames);
  const lambda = new Float64Array(outFrames);
  for (let i = 0; i < outFrames; i++) {
    const src = max(0, ((i + 0.5) * sourceFrames) / outFrames - 0.5);
    i0[i] = min(floor(src), sourceFrames - 1);
    i1[i] = min(i0[i] + 1, sourceFrames - 1);
    lambda[i] = src - i0[i];
  }
  steps.push(
    targetTr === null || (outFrames === sourceFrames && lambda.every(l => l === 0))
      ? `temporal: none (${sourceFrames} frames${tr ? ` at TR ${tr} s` : ''})`
      : `temporal: ${sourceFrames} frames at TR ${tr} s -> ${outFrames} frames at TR ${targetTr} s (linear, align_corners=False)`
  );
  // Background: a mask (3D) or data == 0 (4D), spec 6.1 step 5.
  const maskBackground = options.mask ? await maskOnModelGrid(options.mask) : null;
  steps.push(
    maskBackground
      ? `background: mask == 0 (${path.basename(options.mask as string)}, trilinear onto the model grid)`
      : 'background: data == 0 (voxel-wise, 4D)'
  );
  // Pass 1: foreground statistics (negatives count as 0, still foreground).
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let lo = Infinity;
  let hi = -Infinity;
  await spatial.forEachOutput(i0, i1, lambda, (_, f) => {
    for (let v = 0; v < volume; v++) {
      let x = f[v];
      if (maskBackground ? maskBackground[v] === 1 : x === 0) continue;
      if (x < 0 || x !== x) x = 0;
      n++;
      sum += x;
      sumSq += x * x;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  });
  if (n < 2)
    throw new DatasetError('the run has no foreground voxels (all zero or masked out)', { file: name });
  const mean = sum / n;
  const std = sqrt(max(0, (sumSq - n * mean * mean) / (n - 1))) || 1;
  const background = (lo - mean) / std;
  const maxAbs = max(abs(hi - mean), abs(lo - mean)) / std;
  const scale = maxAbs > 0 ? maxAbs / 127 : 1;
  const qBackground = roundHalfEven(background / scale);
  steps.push(
    `z-norm: mean ${mean.toPrecision(6)}, sd ${std.toPrecision(6)} over ${n} foreground voxel-frames; background = ${background.toPrecision(6)}`
  );
  steps.push(`int8: scale ${scale.toPrecision(6)} (max |x| / 127), round half to even`);
  const k = 1 / (std * scale);
  const sha256 = image.file ? await fileSha256(image.file) : 'memory';
  const maskHash = options.mask ? await fileSha256(options.mask) : null;
  const { bytes: headerBytes, header } = encodeCacheHeader({
    version: CACHE_VERSION,
    shape: [MODEL_EDGE, MODEL_EDGE, MODEL_EDGE],
    frames: outFrames,
    scale,
    background: qBackground,
    tr: targetTr ?? tr ?? 0,
    frameBytes: volume,
    source: { file: name, sha256, optionsKey: optionsKey(options, maskHash) },
    stats: { mean, std, foregroundVoxelFrames: n },
    steps
  });
  // Pass 2: quantise frame by frame and stream into the cache.
  await writeStreamAtomic(cacheFile, async put => {
    await put(headerBytes);
    const q = new Int8Array(volume);
    const qBytes = new Uint8Array(q.buffer);
    await spatial.forEachOutput(i0, i1, lambda, async (_, f) => {
      for (let v = 0; v < volume; v++) {
        let x = f[v];
        if (maskBackground ? maskBackground[v] === 1 : x === 0) {
          q[v] = qBackground;
          continue;
        }
        if (x < 0 || x !== x) x = 0;
        const r = roundHalfEven((x - mean) * k);
        q[v] = r > 127 ? 127 : r < -127 ? -127 : r;
      }
      await put(qBytes);
    });
  });
  return header;
}

export interface PreprocessOptions extends LongWorkOptions, Omit<RunPreprocessOptions, 'tr' | 'mask'> {
  /** Where cache files go; default <dataset>/derivatives/neurostorm. */
  cacheDir?: string;
  /** Use fMRIPrep's desc-brain_mask next to a run as its background (spec 6.1 step 5). Default true. */
  useMasks?: boolean;
  /** Rebuild caches even when a valid one exists. */
  force?: boolean;
  /**
   * Return the report when some runs fail instead of throwing a PartialFailureError (the good runs
   * are cached either way).
   */
  allowFailures?: boolean;
}

export interface PreprocessedRun {
  run: BidsRun;
  cache: string;
  header: CacheHeader;
  /** True when a valid cache with the same content hash and options was reused. */
  reused: boolean;
}

/** A run that could not be preprocessed, and why (the typed error's code and message). */
export interface PreprocessFailure extends ItemFailure {
  run: BidsRun;
}

export interface PreprocessReport {
  cacheDir: string;
  /** Every run that has a valid cache now, in dataset order. */
  runs: PreprocessedRun[];
  /** Every run that failed, with its reason; empty when all succeeded. */
  failures: PreprocessFailure[];
}

function cacheName(run: BidsRun): string {
  return (
    path
      .basename(run.file)
      .replace(/\.nii(\.gz)?$/, '')
      .replace(/_bold$/, '') + '.nsframes'
  );
}

/** The cache's header when it is valid for `run` with these options (same content and options), else null. */
async function reusableCache(run: BidsRun, cache: string, runOptions: RunPreprocessOptions): Promise<CacheHeader | null> {
  if (!fs.existsSync(cache)) return null;
  try {
    const existing = await readCacheHeader(cache);
    const maskHash = runOptions.mask ? await fileSha256(runOptions.mask) : null;
    if (
      existing.source.optionsKey === optionsKey(runOptions, maskHash) &&
      existing.source.sha256 === (await fileSha256(run.file))
    )
      return existing;
  } catch {
    // unreadable or stale cache: rebuilt
  }
  return null;
}

/** Errors that stop the whole job rather than one run: interrupts, a full disk, a lost cache folder. */
function stopsEverything(err: unknown): boolean {
  return err instanceof AbortedError || err instanceof DiskFullError;
}

/**
 * Preprocesses every run of a dataset: `await ns.data.preprocess('cohort')` or a BidsDataset from
 * openBids. Reuses caches whose source hash and options match. A run that fails (truncated,
 * unreadable, no foreground) does not stop the others: every good run is cached, then a
 * PartialFailureError lists each bad run with its reason (or, with `allowFailures`, the report
 * carries them). Two processes on one dataset share the work: each run is built under a lock file
 * beside its cache; a run locked by another process is left to it and its cache reused once done.
 */
export async function preprocess(
  dataset: BidsDataset | string,
  options: PreprocessOptions = {}
): Promise<PreprocessReport> {
  const ds = typeof dataset === 'string' ? await openBids(dataset) : dataset;
  const cacheDir = path.resolve(options.cacheDir ?? path.join(ds.root, 'derivatives', 'neurostorm'));
  await fs.promises.mkdir(cacheDir, { recursive: true });
  const done = new Map<number, PreprocessedRun>();
  const failures = new Map<number, PreprocessFailure>();
  let step = 0;
  const progress = (run: BidsRun, note: string) =>
    options.onProgress?.({
      label: 'preprocess',
      step: ++step,
      totalSteps: ds.runs.length,
      message: `${path.basename(run.file)}${note}`
    });
  const attempt = async (i: number, run: BidsRun, canWait: boolean): Promise<'done' | 'locked'> => {
    const cache = path.join(cacheDir, cacheName(run));
    const runOptions: RunPreprocessOptions = {
      tr: run.sidecarTr ?? undefined,
      targetTr: options.targetTr,
      mask: options.useMasks === false ? null : run.mask,
      memoryBudgetMb: options.memoryBudgetMb
    };
    const lockFile = path.join(cacheDir, `.${cacheName(run)}.lock`);
    try {
      let header = options.force ? null : await reusableCache(run, cache, runOptions);
      let reused = header !== null;
      if (!header) {
        const lock = await tryLock(lockFile);
        if (!lock) {
          if (!canWait) return 'locked';
          await waitForLock(lockFile, options.signal);
          return attempt(i, run, true); // taken again meanwhile: wait again
        }
        try {
          // Another process may have finished this run between our check and our lock.
          header = options.force ? null : await reusableCache(run, cache, runOptions);
          reused = header !== null;
          header ??= await preprocessRun(run.file, cache, runOptions);
        } finally {
          await lock.release();
        }
      }
      done.set(i, { run, cache, header, reused });
      progress(run, reused ? ' (cached)' : '');
    } catch (err) {
      if (stopsEverything(err)) throw err;
      const typed = err instanceof NeuroStormError;
      failures.set(i, {
        run,
        file: run.file,
        code: typed ? err.code : 'E_UNEXPECTED',
        reason: typed ? err.message : `unexpected ${(err as Error)?.name ?? 'error'}: ${(err as Error)?.message ?? String(err)}`
      });
      progress(run, ' (failed)');
    }
    return 'done';
  };
  // First pass: every run not locked by another process; then wait for those and reuse their caches.
  const deferred: number[] = [];
  for (const [i, run] of ds.runs.entries()) {
    checkAborted(options.signal, 'preprocess');
    if ((await attempt(i, run, false)) === 'locked') deferred.push(i);
  }
  for (const i of deferred) {
    checkAborted(options.signal, 'preprocess');
    await attempt(i, ds.runs[i], true);
  }
  const order = (m: Map<number, PreprocessedRun | PreprocessFailure>) => [...m.keys()].sort((a, b) => a - b);
  const report: PreprocessReport = {
    cacheDir,
    runs: order(done).map(i => done.get(i) as PreprocessedRun),
    failures: order(failures).map(i => failures.get(i) as PreprocessFailure)
  };
  if (report.failures.length && !options.allowFailures) {
    const list = report.failures.map(f => `${path.relative(ds.root, f.file)}: ${f.reason}`).join('; ');
    throw new PartialFailureError(
      `${report.failures.length} of ${ds.runs.length} runs could not be preprocessed (the other ${report.runs.length} are cached): ${list}`,
      report.failures.map(({ file, code, reason }) => ({ file, code, reason })),
      { file: ds.root, hint: 'fix or remove those runs (neurostorm check shows why), or pass allowFailures to go on without them' }
    );
  }
  return report;
}
