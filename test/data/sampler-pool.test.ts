/** Clip batches average-pooled from the 96³ cache (the CPU configuration's 48³), checked against numpy. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeCacheHeader, readCacheHeader } from '../../kernel/data/frame-cache';
import { readBatch, readClip } from '../../kernel/data/sampler';
import { Random } from '../../kernel/random';

test('readBatch(pool 2) equals a numpy 2x2x2 mean of the dequantised frames, T fastest', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pool-'));
  const file = path.join(dir, 'run.nsframes');
  const frames = 5;
  const volume = 96 ** 3;
  const { bytes } = encodeCacheHeader({
    version: 1, shape: [96, 96, 96], frames, scale: 0.037, background: -20, tr: 0.8, frameBytes: volume,
    source: { file: 'synthetic', sha256: 'x', optionsKey: 'y' }, stats: { mean: 0, std: 1, foregroundVoxelFrames: 1 }, steps: []
  });
  const q = new Int8Array(frames * volume);
  const rng = new Random(7);
  for (let i = 0; i < q.length; i++) q[i] = rng.int(255) - 127;
  fs.writeFileSync(file, Buffer.concat([Buffer.from(bytes), Buffer.from(q.buffer)]));
  const header = await readCacheHeader(file);
  const clip = { cache: file, start: 1, length: 3, subject: 'sub-01' };
  const batch = await readBatch([clip, { ...clip, start: 2 }], 2);
  expect(batch.shape).toEqual([2, 1, 48, 48, 48, 3]);
  const out = path.join(dir, 'pooled.f32');
  const py = `
import numpy as np, sys
raw = np.fromfile(${JSON.stringify(file)}, dtype=np.int8)
off = ${header.frameOffsets[0]}
f = raw[off:off + ${frames * volume}].reshape(${frames}, 96, 96, 96).astype(np.float64) * ${header.scale}
def clip(s):
    c = f[s:s + 3].reshape(3, 48, 2, 48, 2, 48, 2).mean(axis=(2, 4, 6))
    return np.transpose(c, (1, 2, 3, 0))
np.stack([clip(1), clip(2)]).astype(np.float32).tofile(${JSON.stringify(out)})
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const ref = new Float32Array(fs.readFileSync(out).buffer.slice(0));
  let maxErr = 0;
  for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(ref[i] - batch.data[i]));
  expect(ref.length).toBe(batch.data.length);
  expect(maxErr).toBeLessThan(1e-5);
  // pool 1 is the plain reader; a pool that does not divide 96 is refused.
  const plain = new Float32Array(volume * 3);
  await readClip(clip, plain, 0, header);
  expect(plain[5 * 3 + 1]).toBeCloseTo(q[(1 + 1) * volume + 5] * header.scale, 6);
  await expect(readBatch([clip], 5)).rejects.toThrow(/pool 5 does not divide the cache edge 96/);
});
