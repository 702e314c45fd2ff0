/**
 * Preprocessing (spec 6.1) against a nibabel + NumPy implementation of the same steps, orientation
 * and resampling through the affines, the frame cache, the clip sampler and cache reuse.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  preprocessRun,
  preprocess,
  readCacheHeader,
  readCacheFrames,
  clipsOf,
  batches,
  readBatch,
  resolveSynthAssets,
  MNI_2MM_LAS,
  synth,
  Random,
  CacheHeader
} from '../../kernel/data';
import { createImage, read, write, NiftiImage } from '../../kernel/nifti';
import { DatasetError } from '../../kernel/errors';

const { abs } = Math;
const PEER = path.join(__dirname, 'numpy_preprocess.py');
const VOLUME = 96 ** 3;
let dir: string;
let mask: NiftiImage;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-preprocess-'));
  mask = await read(resolveSynthAssets().mask);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A float32 run on the FSL grid: brain voxels ~1000 with noise, a few zeros and negatives inside. */
function brainRun(frames: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const n = mask.raw.length;
  const data = new Float32Array(n * frames);
  for (let t = 0; t < frames; t++) {
    for (let v = 0; v < n; v++) {
      if (!mask.raw[v]) continue;
      const u = rng.uniform();
      data[t * n + v] = u < 0.001 ? 0 : u < 0.002 ? -50 : 1000 + 100 * rng.normal() + 5 * t;
    }
  }
  return data;
}

async function cacheFrames(file: string): Promise<{ header: CacheHeader; q: Int8Array }> {
  const header = await readCacheHeader(file);
  return { header, q: await readCacheFrames(file, header, 0, header.frames) };
}

function peer(src: string, extra: string[]): Int8Array {
  const out = path.join(dir, `peer-${path.basename(src)}.int8`);
  const r = spawnSync('/usr/bin/python3', [PEER, src, out, ...extra], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return new Int8Array(fs.readFileSync(out).buffer.slice(0));
}

function differences(a: Int8Array, b: Int8Array): { count: number; worst: number } {
  expect(a.length).toBe(b.length);
  let count = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = abs(a[i] - b[i]);
    if (d) count++;
    if (d > worst) worst = d;
  }
  return { count, worst };
}

test('equals NumPy spec 6.1: TR 0.72 -> 0.8 s, data == 0 background, z-norm, int8, crop/pad', async () => {
  const src = path.join(dir, 'run.nii.gz');
  await write(
    src,
    createImage({ data: brainRun(6, 1), shape: [91, 109, 91, 6], affine: MNI_2MM_LAS.affine, tr: 0.72 }),
    { gzipLevel: 1 }
  );
  const header = await preprocessRun(src, path.join(dir, 'run.nsframes'));
  expect(header.frames).toBe(5);
  expect(header.tr).toBe(0.8);
  expect(header.shape).toEqual([96, 96, 96]);
  expect(header.steps.join('\n')).toMatch(
    /spatial: none[\s\S]*temporal: 6 frames at TR 0.72 s -> 5 frames at TR 0.8 s[\s\S]*background: data == 0/
  );
  const { q } = await cacheFrames(path.join(dir, 'run.nsframes'));
  const d = differences(q, peer(src, []));
  // NumPy normalises in float32, we in float64: a rare value rounds to the neighbouring level.
  expect(d.worst).toBeLessThanOrEqual(1);
  expect(d.count).toBeLessThan(q.length * 1e-4);
  // Pad voxels (x < 3) hold the quantised background, the minimum of the frame.
  expect(q[0]).toBe(header.background);
  expect(header.background).toBe(q.subarray(0, VOLUME).reduce((a, b) => (b < a ? b : a), 127));
});

test('equals NumPy with a brain mask as background (spec 6.1 step 5, mask variant)', async () => {
  const src = path.join(dir, 'masked.nii.gz');
  await write(
    src,
    createImage({ data: brainRun(4, 2), shape: [91, 109, 91, 4], affine: MNI_2MM_LAS.affine, tr: 0.8 }),
    { gzipLevel: 1 }
  );
  const maskFile = resolveSynthAssets().mask;
  const header = await preprocessRun(src, path.join(dir, 'masked.nsframes'), { mask: maskFile });
  expect(header.steps.join('\n')).toMatch(/background: mask == 0/);
  const { q } = await cacheFrames(path.join(dir, 'masked.nsframes'));
  const d = differences(q, peer(src, ['--mask', maskFile]));
  // NumPy normalises in float32, we in float64: a rare value rounds to the neighbouring level.
  expect(d.worst).toBeLessThanOrEqual(1);
  expect(d.count).toBeLessThan(q.length * 1e-4);
});

test('the same run stored RAS is reoriented exactly to LAS: identical cache', async () => {
  const las = brainRun(2, 3);
  const ras = new Float32Array(las.length);
  for (let i = 0; i < las.length; i++) {
    const x = i % 91;
    ras[i - x + (90 - x)] = las[i];
  }
  const rasAffine = [
    [2, 0, 0, -90],
    [0, 2, 0, -126],
    [0, 0, 2, -72],
    [0, 0, 0, 1]
  ];
  await write(
    path.join(dir, 'las.nii'),
    createImage({ data: las, shape: [91, 109, 91, 2], affine: MNI_2MM_LAS.affine, tr: 0.8 })
  );
  await write(
    path.join(dir, 'ras.nii'),
    createImage({ data: ras, shape: [91, 109, 91, 2], affine: rasAffine, tr: 0.8 })
  );
  await preprocessRun(path.join(dir, 'las.nii'), path.join(dir, 'las.nsframes'));
  const header = await preprocessRun(path.join(dir, 'ras.nii'), path.join(dir, 'ras.nsframes'));
  expect(header.steps[0]).toMatch(/reoriented 91x109x91 RAS .* exact axis flips/);
  const a = (await cacheFrames(path.join(dir, 'las.nsframes'))).q;
  const b = (await cacheFrames(path.join(dir, 'ras.nsframes'))).q;
  expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
});

test('a 3 mm grid is resampled through the affines (trilinear is exact for a linear field)', async () => {
  // f(world mm) is linear; sampled on the ABIDE-style 3 mm LAS grid and on the FSL grid directly.
  const f = (x: number, y: number, z: number, t: number) => 1000 + 2 * x + 3 * y - z + 20 * t;
  const sample = (shape: number[], affine: number[][], frames: number) => {
    const [nx, ny, nz] = shape;
    const out = new Float32Array(nx * ny * nz * frames);
    for (let t = 0, o = 0; t < frames; t++)
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++, o++) {
            const x = affine[0][0] * i + affine[0][3];
            const y = affine[1][1] * j + affine[1][3];
            const z = affine[2][2] * k + affine[2][3];
            out[o] = f(x, y, z, t);
          }
    return out;
  };
  const coarse = [
    [-3, 0, 0, 90],
    [0, 3, 0, -126],
    [0, 0, 3, -72],
    [0, 0, 0, 1]
  ];
  await write(
    path.join(dir, 'coarse.nii'),
    createImage({ data: sample([61, 73, 61], coarse, 2), shape: [61, 73, 61, 2], affine: coarse, tr: 0.8 })
  );
  await write(
    path.join(dir, 'fine.nii'),
    createImage({
      data: sample([91, 109, 91], MNI_2MM_LAS.affine, 2),
      shape: [91, 109, 91, 2],
      affine: MNI_2MM_LAS.affine,
      tr: 0.8
    })
  );
  const header = await preprocessRun(path.join(dir, 'coarse.nii'), path.join(dir, 'coarse.nsframes'));
  expect(header.steps[0]).toMatch(/trilinear resampling of 61x73x61 LAS 3\.00x3\.00x3\.00 mm/);
  await preprocessRun(path.join(dir, 'fine.nii'), path.join(dir, 'fine.nsframes'));
  const d = differences(
    (await cacheFrames(path.join(dir, 'coarse.nsframes'))).q,
    (await cacheFrames(path.join(dir, 'fine.nsframes'))).q
  );
  expect(d.worst).toBeLessThanOrEqual(1);
});

test('real native oblique BOLD (nitime fmri1, TR 1.35 s) goes through, steps recorded', async () => {
  const src = path.resolve(__dirname, '../../../shared/data/real/nitime/fmri1.nii.gz');
  const header = await preprocessRun(src, path.join(dir, 'fmri1.nsframes'));
  expect(header.frames).toBe(68);
  expect(header.steps[0]).toMatch(/trilinear resampling of 10x10x18 LSP/);
  expect(header.stats.foregroundVoxelFrames).toBeGreaterThan(1000);
  expect(header.scale).toBeGreaterThan(0);
});

test('frame cache: header, per-frame offsets, windows; the sampler yields [B,1,96,96,96,T] row-major', async () => {
  const file = path.join(dir, 'run.nsframes');
  const { header, q } = await cacheFrames(file);
  expect(header.frameOffsets[1] - header.frameOffsets[0]).toBe(VOLUME);
  expect(header.frameOffsets[0] % 64).toBe(0);
  const window = await readCacheFrames(file, header, 2, 2);
  expect(Buffer.from(window.buffer).equals(Buffer.from(q.buffer, 2 * VOLUME, 2 * VOLUME))).toBe(true);
  expect(clipsOf(file, header, 'sub-01', { sequenceLength: 2 }).map(c => c.start)).toEqual([0, 2]);
  expect(clipsOf(file, header, 'sub-01', { sequenceLength: 2, stride: 1 }).map(c => c.start)).toEqual([
    0, 1, 2, 3
  ]);
  expect(clipsOf(file, header, 'sub-01', { sequenceLength: 20 })).toEqual([]);
  const clips = clipsOf(file, header, 'sub-01', { sequenceLength: 2, stride: 1 });
  const seen: number[][] = [];
  for await (const batch of batches(clips, { batchSize: 3 })) {
    seen.push(batch.shape);
    const T = 2;
    for (const [b, clip] of batch.clips.entries()) {
      // Element [b, 0, x, y, z, t] = frame (start + t) at row-major voxel (x, y, z), times scale.
      for (const [x, y, z, t] of [
        [0, 0, 0, 0],
        [48, 50, 47, 1],
        [95, 95, 95, 1],
        [10, 60, 30, 0]
      ]) {
        const v = (x * 96 + y) * 96 + z;
        expect(batch.data[b * VOLUME * T + v * T + t]).toBe(
          Math.fround(q[(clip.start + t) * VOLUME + v] * header.scale)
        );
      }
    }
  }
  expect(seen).toEqual([
    [3, 1, 96, 96, 96, 2],
    [1, 1, 96, 96, 96, 2]
  ]);
  let count = 0;
  for await (const batch of batches(clips, { batchSize: 3, dropLast: true, shuffle: new Random(1) }))
    count += batch.shape[0];
  expect(count).toBe(3);
  // padLast: the last batch repeats its last clip up to batchSize rows, `count` says how many are real;
  // centre and scale are readBatch's, row for row.
  const padded: { count: number; starts: number[]; data: Float32Array }[] = [];
  for await (const batch of batches(clips, { batchSize: 3, padLast: true, centre: true, scale: 2 })) padded.push({ count: batch.count, starts: batch.clips.map(c => c.start), data: batch.data });
  expect(padded.map(b => [b.count, b.starts])).toEqual([[3, [0, 1, 2]], [1, [3, 3, 3]]]);
  const direct = await readBatch([clips[3], clips[3], clips[3]], 1, new Map(), true, 2);
  expect(Buffer.from(padded[1].data.buffer).equals(Buffer.from(direct.data.buffer))).toBe(true);
  // Broken caches are typed errors.
  const bad = path.join(dir, 'bad.nsframes');
  fs.writeFileSync(bad, 'NOTACACHE-------');
  await expect(readCacheHeader(bad)).rejects.toThrow(/bad magic/);
  fs.writeFileSync(bad, fs.readFileSync(file).subarray(0, header.frameOffsets[3]));
  await expect(readCacheHeader(bad)).rejects.toThrow(DatasetError);
  await expect(readCacheFrames(file, header, 4, 2)).rejects.toThrow(/outside the 5 cached frames/);
});

test('preprocess(dataset): one cache per run, reused when source and options match, rebuilt when not', async () => {
  const cohort = await synth({
    out: path.join(dir, 'cohort'),
    subjects: 2,
    sessions: 1,
    frames: 20,
    seed: 4
  });
  const events: string[] = [];
  const first = await preprocess(cohort.root, { onProgress: e => events.push(`${e.step}/${e.totalSteps}`) });
  expect(events).toEqual(['1/2', '2/2']);
  expect(first.runs.map(r => [path.basename(r.cache), r.reused, r.header.frames])).toEqual([
    ['sub-01_ses-1_task-rest_space-MNI152NLin6Asym_desc-preproc.nsframes', false, 20],
    ['sub-02_ses-1_task-rest_space-MNI152NLin6Asym_desc-preproc.nsframes', false, 20]
  ]);
  expect(first.cacheDir).toBe(path.join(cohort.root, 'derivatives', 'neurostorm'));
  const second = await preprocess(cohort.root);
  expect(second.runs.map(r => r.reused)).toEqual([true, true]);
  const third = await preprocess(cohort.root, { targetTr: null });
  expect(third.runs.map(r => r.reused)).toEqual([false, false]);
  const abort = new AbortController();
  abort.abort();
  await expect(preprocess(cohort.root, { signal: abort.signal })).rejects.toThrow(/interrupted/);
});
