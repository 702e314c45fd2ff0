/**
 * MAE augmentation (kernel/train/augment.ts, spec §3): the affine resampler against
 * scipy.ndimage.affine_transform (order 1, mode "nearest" = border padding), the smoothing against
 * MONAI's erf kernel built in NumPy and applied with scipy.ndimage.correlate1d (zero padding), the
 * transform probabilities and ranges, noise statistics, one transform for every frame, and
 * determinism per seed.
 */
import { spawnSync } from 'child_process';
import { affineMatrix, affineResample, applyAugment, augmentBatch, drawAugment, gaussianSmooth, AUGMENT } from '../../kernel/train/augment';
import { Random } from '../../kernel/random';

const SCIPY = `
import json, sys, math
import numpy as np
from scipy import ndimage
a = json.load(sys.stdin)
X, Y, Z, T = a['dims']
v = np.array(a['v'], dtype=np.float64).reshape(X, Y, Z, T)
out = {}
m = np.array(a['m']).reshape(3, 3)
c = (np.array([X, Y, Z]) - 1) / 2
out['affine'] = np.stack([ndimage.affine_transform(v[..., t], m, offset=c - m @ c, order=1, mode='nearest') for t in range(T)], axis=-1).ravel().tolist()
s = v
for axis, sigma in enumerate(a['sigma']):
    tail = int(max(4 * sigma, 0.5) + 0.5)
    k = np.array([0.5 * (math.erf((i + 0.5) / (sigma * math.sqrt(2))) - math.erf((i - 0.5) / (sigma * math.sqrt(2)))) for i in range(-tail, tail + 1)])
    s = ndimage.correlate1d(s, k, axis=axis, mode='constant', cval=0.0)
out['smooth'] = s.ravel().tolist()
print(json.dumps(out))
`;

function scipy(v: Float32Array, dims: number[], m: number[], sigma: number[]): { affine: number[]; smooth: number[] } {
  const r = spawnSync('/usr/bin/python3', ['-c', SCIPY], { input: JSON.stringify({ v: Array.from(v), dims, m, sigma }), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`scipy reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
};

test('affine resampling and smoothing match scipy.ndimage (trilinear + border padding; erf kernel + zero padding)', () => {
  const dims: [number, number, number, number] = [9, 8, 7, 3];
  const rng = new Random(5);
  // a smooth field plus noise, so interpolation errors and border handling both show
  const v = Float32Array.from({ length: 9 * 8 * 7 * 3 }, (_, i) => Math.sin(i / 17) + rng.normal());
  for (const [angles, scale] of [
    [[0.17, -0.12, 0.05], [1.08, 0.93, 1.0]],
    [[-0.175, 0.175, -0.175], [0.9, 1.1, 0.95]],
    [[0.6, 0, 0], [1.3, 1.3, 1.3]] // far outside the official ranges: large border regions
  ] as [number, number, number][][]) {
    const m = affineMatrix(angles as [number, number, number], scale as [number, number, number]);
    const sigma = [0.45, 0.2, 0.05];
    const ref = scipy(v, dims, m, sigma);
    expect(maxAbs(affineResample(v, dims, m), ref.affine)).toBeLessThan(1e-5);
    expect(maxAbs(gaussianSmooth(v, dims, sigma as [number, number, number]), ref.smooth)).toBeLessThan(1e-5);
  }
  // the identity transform returns the input
  expect(maxAbs(affineResample(v, dims, affineMatrix([0, 0, 0], [1, 1, 1])), v)).toBeLessThan(1e-6);
});

test('transform probabilities and ranges follow the official set; restricted sets draw only their part', () => {
  const rng = new Random(1);
  const n = 4000;
  let noise = 0;
  let smooth = 0;
  for (let i = 0; i < n; i++) {
    const p = drawAugment(rng.fork(i));
    expect(p.affine).not.toBeNull();
    const m = p.affine!;
    // det = product of the scales, each in 1 ± 0.1
    const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
    expect(det).toBeGreaterThanOrEqual(0.9 ** 3 - 1e-9);
    expect(det).toBeLessThanOrEqual(1.1 ** 3 + 1e-9);
    if (p.noise !== null) {
      noise++;
      expect(p.noise).toBe(AUGMENT.noiseStd);
    }
    if (p.smooth) {
      smooth++;
      for (const s of p.smooth) expect(s >= 0 && s <= 0.5).toBe(true);
    }
  }
  // binomial 3-sigma bands
  expect(Math.abs(noise / n - 0.3)).toBeLessThan(3 * Math.sqrt((0.3 * 0.7) / n));
  expect(Math.abs(smooth / n - 0.1)).toBeLessThan(3 * Math.sqrt((0.1 * 0.9) / n));
  const a = drawAugment(new Random(2), 'affine');
  expect([a.affine !== null, a.noise, a.smooth]).toEqual([true, null, null]);
  for (let i = 0; i < 50; i++) expect(drawAugment(new Random(i), 'intensity').affine).toBeNull();
});

test('the noise field has std 0.1, zero mean, and is the same in every frame', () => {
  const dims: [number, number, number, number] = [16, 16, 16, 4];
  const out = applyAugment(new Float32Array(16 ** 3 * 4), dims, { affine: null, noise: 0.1, smooth: null }, new Random(9));
  let s = 0;
  let s2 = 0;
  const n = 16 ** 3;
  for (let i = 0; i < n; i++) {
    for (let t = 1; t < 4; t++) expect(out[i * 4 + t]).toBe(out[i * 4]);
    s += out[i * 4];
    s2 += out[i * 4] ** 2;
  }
  const mean = s / n;
  const sd = Math.sqrt(s2 / n - mean * mean);
  expect(Math.abs(mean)).toBeLessThan(4 * (0.1 / Math.sqrt(n)));
  expect(Math.abs(sd - 0.1)).toBeLessThan(0.005);
});

test('a batch: one transform per sample for all frames, repeatable per seed, different across samples and seeds', () => {
  const [B, X, T] = [3, 12, 5];
  const rng = new Random(4);
  // every frame of a sample identical: an augmented sample must keep its frames identical
  const frame = Float32Array.from({ length: X ** 3 }, () => rng.normal());
  const data = new Float32Array(B * X ** 3 * T);
  for (let b = 0; b < B; b++) for (let v = 0; v < X ** 3; v++) for (let t = 0; t < T; t++) data[(b * X ** 3 + v) * T + t] = frame[v];
  const x = { data, shape: [B, 1, X, X, X, T] };
  const root = new Random(11);
  const a = augmentBatch(x, 'all', b => root.fork(`s-${b}`));
  const again = augmentBatch(x, 'all', b => new Random(11).fork(`s-${b}`));
  expect(Array.from(again.data as Float32Array)).toEqual(Array.from(a.data as Float32Array));
  const other = augmentBatch(x, 'all', b => new Random(12).fork(`s-${b}`));
  expect(maxAbs(other.data as Float32Array, a.data as Float32Array)).toBeGreaterThan(0.1);
  const out = a.data as Float32Array;
  for (let b = 0; b < B; b++) for (let v = 0; v < X ** 3; v++) for (let t = 1; t < T; t++) expect(out[(b * X ** 3 + v) * T + t]).toBe(out[(b * X ** 3 + v) * T]);
  // the samples got different transforms of the same frame
  const sample = (b: number) => out.subarray(b * X ** 3 * T, (b + 1) * X ** 3 * T);
  expect(maxAbs(sample(0), sample(1))).toBeGreaterThan(0.1);
  expect(maxAbs(sample(0), data.subarray(0, X ** 3 * T))).toBeGreaterThan(0.1);
});
