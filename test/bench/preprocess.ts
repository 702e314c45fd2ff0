/**
 * `npm run bench -- preprocess [--frames N] [--keep DIR]`: one 91x109x91xN run (default 200 frames,
 * synthetic, int16 .nii.gz on the FSL MNI 2 mm LAS grid) through the whole NeuroSTORM preprocessing
 * (read, grid, crop/pad 96^3, background, z-norm, int8, frame cache), side by side with the same
 * steps in nibabel + NumPy (/usr/bin/python3) in the same bench run. Each side runs in its own
 * process so peak memory (max RSS) is its own. Prints times, the ratio, peak memory, and how many
 * int8 values differ between the two outputs.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synth } from '../../kernel/data/synth/cohort';
import { packageRoot } from '../../kernel/version';

interface SideResult {
  seconds: number;
  peakRssMb: number;
}

/** The NumPy peer, shared with test/data/preprocess.test.ts (in the source tree). */
const PEER_SCRIPT = path.join(packageRoot(), 'test/data/numpy_preprocess.py');

function ours(kernelData: string, src: string, cache: string): SideResult {
  const script = `
const { preprocessRun } = require(${JSON.stringify(kernelData)});
const fs = require('fs');
(async () => {
  const t0 = process.hrtime.bigint();
  await preprocessRun(${JSON.stringify(src)}, ${JSON.stringify(cache)});
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const hwm = /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  console.log(JSON.stringify({ seconds, peakRssMb: hwm ? Number(hwm[1]) / 1024 : process.memoryUsage().rss / 2 ** 20 }));
})();`;
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 1 << 20
  });
  if (r.status !== 0) throw new Error(`neurostorm side failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as SideResult;
}

function peer(src: string, out: string): SideResult {
  const r = spawnSync('/usr/bin/python3', [PEER_SCRIPT, src, out], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`nibabel + NumPy side failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as SideResult;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: string[]): Promise<void> {
  const frames = Number(flag(args, 'frames') ?? 200);
  const keep = flag(args, 'keep');
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bench-preprocess-'));
  try {
    process.stdout.write(`writing one synthetic 91x109x91x${frames} run (int16 .nii.gz) ...\n`);
    const cohort = await synth({
      out: path.join(dir, 'bids'),
      subjects: 2,
      sessions: 1,
      frames,
      seed: 3,
      overwrite: true
    });
    const src = cohort.runs[0].file as string;
    const kernelData = path.resolve(__dirname, '../../kernel/data');
    const cache = path.join(dir, 'ours.nsframes');
    const theirsOut = path.join(dir, 'numpy.int8');
    // Warm the page cache for both sides alike.
    fs.readFileSync(src);
    const a = ours(kernelData, src, cache);
    const b = peer(src, theirsOut);
    // Same numbers? Compare the int8 frames.
    const { readCacheHeader } = await import('../../kernel/data/frame-cache');
    const header = await readCacheHeader(cache);
    const mine = new Int8Array(fs.readFileSync(cache).buffer.slice(header.frameOffsets[0]));
    const theirs = new Int8Array(fs.readFileSync(theirsOut).buffer);
    let differ = 0;
    let worst = 0;
    const n = Math.min(mine.length, theirs.length);
    for (let i = 0; i < n; i++) {
      const d = Math.abs(mine[i] - theirs[i]);
      if (d > 0) differ++;
      if (d > worst) worst = d;
    }
    const mb = (fs.statSync(src).size / 2 ** 20).toFixed(1);
    process.stdout.write(
      [
        `input: ${src} (${mb} MiB gz, ${frames} frames)`,
        `neurostorm (TypeScript): ${a.seconds.toFixed(2)} s, peak RSS ${a.peakRssMb.toFixed(0)} MiB`,
        `nibabel + NumPy:         ${b.seconds.toFixed(2)} s, peak RSS ${b.peakRssMb.toFixed(0)} MiB`,
        `speed ratio (NumPy time / ours): ${(b.seconds / a.seconds).toFixed(2)}x ${a.seconds <= b.seconds ? '(ours faster)' : '(ours slower)'}`,
        `memory ratio (ours / NumPy): ${(a.peakRssMb / b.peakRssMb).toFixed(2)}`,
        `outputs: ${mine.length === theirs.length ? 'same size' : `sizes differ ${mine.length} vs ${theirs.length}`}, ${differ} of ${n} int8 values differ (max |diff| ${worst})`,
        ''
      ].join('\n')
    );
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
