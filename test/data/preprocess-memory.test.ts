/**
 * Issue 14, item 8: preprocessing holds a bounded window of frames, so memory stays flat with run
 * length. Before: a 1 MB .nii.gz whose header claimed a huge (but under-cap) size drove
 * preprocessing to 3.2 GB RSS (the whole run, then every spatial frame, in memory at once).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { preprocessRun, readCacheHeader, readCacheFrames, MNI_2MM_LAS, Random } from '../../kernel/data';
import { createImage, encodeHeader, write } from '../../kernel/nifti';
import { DatasetError } from '../../kernel/errors';
import { runInChild } from '../io/child-process';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pp-memory-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A .nii.gz of `frames` frames on the full FSL grid, written as a stream (never held): zero
 * everywhere except a 20^3 block whose values change with the frame. Compresses ~1000:1.
 */
async function longRun(file: string, frames: number): Promise<void> {
  const [nx, ny, nz] = MNI_2MM_LAS.shape;
  const header = encodeHeader(createImage({ data: new Int16Array(nx * ny * nz), shape: [nx, ny, nz, 1], affine: MNI_2MM_LAS.affine, tr: 0.8 }));
  const head = Buffer.from(header);
  head.writeInt16LE(frames, 48); // dim[4]: the header claims `frames` frames
  const gzip = zlib.createGzip({ level: 1 });
  const out = fs.createWriteStream(file);
  gzip.pipe(out);
  const done = new Promise<void>(resolve => out.on('close', () => resolve()));
  const push = async (b: Buffer) => {
    if (!gzip.write(b)) await new Promise<void>(r => gzip.once('drain', () => r()));
  };
  await push(head);
  const frame = new Int16Array(nx * ny * nz);
  for (let t = 0; t < frames; t++) {
    for (let z = 40; z < 60; z++) for (let y = 45; y < 65; y++) for (let x = 35; x < 55; x++) frame[x + nx * (y + ny * z)] = 1000 + ((x + y + z + 7 * t) % 50);
    await push(Buffer.from(frame.buffer));
  }
  gzip.end();
  await done;
}

describe('preprocessing memory is bounded by frame windows (issue 14, item 8)', () => {
  it('a 300-frame run from a 3 MB .nii.gz: peak RSS flat (well under the run size)', async () => {
    const file = path.join(dir, 'long_bold.nii.gz');
    await longRun(file, 300);
    const size = fs.statSync(file).size;
    expect(size).toBeLessThan(4 * 2 ** 20);
    const cache = path.join(dir, 'long.nsframes');
    const r = runInChild<{ frames: number } | { error: string }>(
      `const h = await pp.preprocessRun(${JSON.stringify(file)}, ${JSON.stringify(cache)}); report({ frames: h.frames });`,
      { preload: `const pp = kernel('data/preprocess');` }
    );
    expect(r.status).toBe(0);
    expect(r.value).toEqual({ frames: 300 });
    // The run is 300 x 1.8 MB stored and 300 x 3.5 MB on the model grid (1.6 GB before the fix);
    // the budget holds one source frame, a few model-grid frames and stream buffers.
    const growthMb = r.peakRssMb - r.baselineRssMb;
    expect(growthMb).toBeLessThan(160);
    process.stdout.write(`300-frame run (${size} bytes gz): child peak RSS ${r.peakRssMb.toFixed(0)} MiB, +${growthMb.toFixed(0)} MiB over baseline\n`);
    const header = await readCacheHeader(cache);
    const last = await readCacheFrames(cache, header, 299, 1);
    expect(last.some(v => v !== header.background)).toBe(true);
  });

  it('a header claiming far more frames than the stream holds fails at the first missing frame', async () => {
    const file = path.join(dir, 'claims_bold.nii.gz');
    await longRun(file, 40);
    // Same data, header now claims 500 frames (900 MB, within what 1032:1 deflate could hold).
    const raw = zlib.gunzipSync(fs.readFileSync(file));
    raw.writeInt16LE(500, 48);
    fs.writeFileSync(file, zlib.gzipSync(raw, { level: 1 }));
    const r = runInChild<{ name: string; message: string }>(
      `try { await pp.preprocessRun(${JSON.stringify(file)}, ${JSON.stringify(path.join(dir, 'claims.nsframes'))}); report({ name: 'ok' }); } catch (err) { report(errorInfo(err)); }`,
      { preload: `const pp = kernel('data/preprocess');` }
    );
    expect(r.value.name).toBe('NiftiFormatError');
    expect(r.value.message).toMatch(/truncated: frame 41 of the 500 the header declares has 0 of its 1805258 bytes/);
    expect(r.peakRssMb - r.baselineRssMb).toBeLessThan(160);
    expect(fs.existsSync(path.join(dir, 'claims.nsframes'))).toBe(false);
  });

  it('streaming (small budget) and keeping frames give identical caches, with TR resampling, .nii and .nii.gz', async () => {
    const rng = new Random(8);
    const shape = [30, 36, 30, 9];
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => 500 + 100 * rng.uniform());
    for (const ext of ['.nii', '.nii.gz']) {
      const file = path.join(dir, `resample_bold${ext}`);
      await write(file, createImage({ data, shape, affine: MNI_2MM_LAS.affine, tr: 0.72 }), { gzipLevel: 1 });
      const kept = path.join(dir, `kept${ext}.nsframes`);
      const streamed = path.join(dir, `streamed${ext}.nsframes`);
      await preprocessRun(file, kept);
      await preprocessRun(file, streamed, { memoryBudgetMb: 16 });
      expect((await readCacheHeader(kept)).frames).toBe(8);
      expect([ext, fs.readFileSync(streamed).equals(fs.readFileSync(kept))]).toEqual([ext, true]);
    }
  });

  it('refuses a run whose single frame does not fit the memory budget, before reading it', async () => {
    const file = path.join(dir, 'resample_bold.nii');
    const err = await preprocessRun(file, path.join(dir, 'x.nsframes'), { memoryBudgetMb: 8 }).catch(e => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/one frame of this run needs 14 MiB to preprocess, more than the 8 MiB memory budget/);
  });
});
