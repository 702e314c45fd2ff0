/**
 * STRD (spec §2.8, kernel/models/graph/strd.ts): the graph's per-token score and dropped output
 * against the official code (fixtures/strd/official.json, made by fixtures/make_strd_fixtures.py
 * from the official `_apply_strd` with its Bernoulli draw recorded), and against an independent
 * NumPy implementation written from the spec's formulas with explicit loops over tokens
 * (neighbourhoods from window coordinates, masked max and sums, the unmasked numerator, the clamps),
 * the gradient flowing through the keep mask only, and the MAE training graph declaring one noise
 * input per encoder block (none in the decoder, none in the inference graph).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as G from '../../kernel/graph';
import { runGraph } from '../../kernel/runtime/session';
import { Random } from '../../kernel/random';
import { strdDrop, strdInputs, strdNeighbourhoods, strdScore, StrdSpec } from '../../kernel/models/graph/strd';
import { buildMaeGraph } from '../../kernel/models/graph/build';
import * as models from '../../kernel/models';
import type { Vec4 } from '../../kernel/models/config';

const NUMPY_REFERENCE = `
import json, sys
import numpy as np
a = json.load(sys.stdin)
M, N, C = a['shape']; wd, wh, ww, wt = a['window']; ls, lt = a['spatial'], a['temporal']
h = np.array(a['h'], dtype=np.float64).reshape(M, N, C)
coords = [(d, y, x, t) for d in range(wd) for y in range(wh) for x in range(ww) for t in range(wt)]
hs, ht = ls // 2, lt // 2
def om_s(i):
    di = coords[i]
    return [j for j in range(N) if j != i and coords[j][3] == di[3] and all(abs(coords[j][k] - di[k]) <= hs for k in range(3))]
def om_t(i):
    di = coords[i]
    return [j for j in range(N) if j != i and coords[j][:3] == di[:3] and abs(coords[j][3] - di[3]) <= ht]
S = [om_s(i) for i in range(N)]; T = [om_t(i) for i in range(N)]
score = np.zeros((M, N))
for m in range(M):
    logits = h[m] @ h[m].T / np.sqrt(C)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    A = e / e.sum(axis=1, keepdims=True)
    for i in range(N):
        fs = max((A[i, j] for j in S[i]), default=0.0)
        ft = max((A[i, j] for j in T[i]), default=0.0)
        ss = sum(A[i, j] for j in S[i]); st = sum(A[i, j] for j in T[i])
        tot = 0.0
        for j in range(N):
            term_s = ft * A[i, j] / (ss + 1e-8) if S[i] else 0.0
            term_t = fs * A[i, j] / (st + 1e-8) if T[i] else 0.0
            tot += min(max(0.5 * (term_s + term_t), 0.0), 1.0)
        score[m, i] = min(max(tot / max(len(S[i]) + len(T[i]), 1), 0.0), 1.0)
print(json.dumps({'score': score.ravel().tolist(), 'countS': [len(s) for s in S], 'countT': [len(t) for t in T]}))
`;

function reference(h: Float32Array, shape: number[], window: Vec4, spec: StrdSpec): { score: number[]; countS: number[]; countT: number[] } {
  const r = spawnSync('/usr/bin/python3', ['-c', NUMPY_REFERENCE], { input: JSON.stringify({ h: Array.from(h), shape, window, ...spec }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`numpy reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function runStrd(h: Float32Array, u: Float32Array, shape: [number, number, number], window: Vec4, spec: StrdSpec) {
  const g = new G.Graph('strd');
  const hIn = g.input('h', shape);
  const uIn = g.input('u', [shape[0], shape[1]]);
  const w = g.input('w', shape);
  const out = strdDrop(hIn, uIn, window, spec);
  g.output('score', strdScore(hIn, window, spec));
  g.output('out', out);
  g.output('grad', G.gradients(G.sum(G.mul(out, w)), [hIn])[0]);
  const wData = Float32Array.from({ length: h.length }, (_, i) => Math.sin(i));
  const r = await runGraph(g, { h: { data: h, shape }, u: { data: u, shape: [shape[0], shape[1]] }, w: { data: wData, shape } }, { provider: 'cpu', threads: 1 });
  return { score: r.score.data as Float32Array, out: r.out.data as Float32Array, grad: r.grad.data as Float32Array, w: wData };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
};

const CASES: [string, Vec4, StrdSpec, number][] = [
  ['2x3x2x4 window, l = 3/3', [2, 3, 2, 4], { spatial: 3, temporal: 3 }, 1.5],
  ['4x4x4x4 window, official l = 5/5', [4, 4, 4, 4], { spatial: 5, temporal: 5 }, 1],
  ['1x1x1x4 window (no spatial neighbours), l = 5/1 (no temporal ones either)', [1, 1, 1, 4], { spatial: 5, temporal: 1 }, 2],
  ['2x2x2x4 window (the last stage), l = 5/5', [2, 2, 2, 4], { spatial: 5, temporal: 5 }, 3]
];

interface OfficialCase {
  window: Vec4;
  spatial: number;
  temporal: number;
  shape: [number, number, number];
  h: number[];
  u: number[];
  score: number[];
  out: number[];
}
const OFFICIAL = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'strd', 'official.json'), 'utf8')).cases as OfficialCase[];

test.each(OFFICIAL.map(c => [`${c.window.join('x')} window, l = ${c.spatial}/${c.temporal}`, c] as const))('official _apply_strd, %s: same score and output', async (_n, c) => {
  const r = await runStrd(Float32Array.from(c.h), Float32Array.from(c.u), c.shape, c.window, { spatial: c.spatial, temporal: c.temporal });
  expect(maxAbs(r.score, c.score)).toBeLessThan(1e-5);
  // the draws: [u >= score] keeps; a u within rounding of the score could go either way, so none may be
  const margin = Math.min(...c.u.map((u, i) => Math.abs(u - c.score[i])));
  expect(margin).toBeGreaterThan(1e-5);
  expect(maxAbs(r.out, c.out)).toBe(0);
  const dropped = c.u.filter((u, i) => u < c.score[i]).length;
  if (c.score.some(s => s > 0.05)) expect(dropped).toBeGreaterThan(0);
});

test.each(CASES)('%s: score matches the NumPy reference; keep = [u >= score]; gradient through the keep mask only', async (_n, window, spec, scale) => {
  const N = window.reduce((a, b) => a * b, 1);
  const M = 3;
  const C = 6;
  const rng = new Random(7);
  const h = Float32Array.from({ length: M * N * C }, () => rng.uniform(-scale, scale));
  const ref = reference(h, [M, N, C], window, spec);
  const nb = strdNeighbourhoods(window, spec);
  expect(Array.from(nb.countS)).toEqual(ref.countS);
  expect(Array.from(nb.countT)).toEqual(ref.countT);
  // u spans the score range so both outcomes occur.
  const u = Float32Array.from(ref.score, s => (s < 0.05 || (s <= 0.95 && rng.next() < 0.5) ? s + 0.05 : s - 0.05));
  const r = await runStrd(h, u, [M, N, C], window, spec);
  const err = Math.max(...ref.score.map((s, i) => Math.abs(s - r.score[i])));
  expect(err).toBeLessThan(1e-5);
  let kept = 0;
  for (let t = 0; t < M * N; t++) {
    const keep = u[t] >= ref.score[t] ? 1 : 0;
    kept += keep;
    for (let c = 0; c < C; c++) {
      expect(r.out[t * C + c] + 0).toBe(keep ? h[t * C + c] : 0); // + 0: -0 (a dropped negative) is 0
      expect(r.grad[t * C + c]).toBeCloseTo(keep * r.w[t * C + c], 6);
    }
  }
  if (ref.score.some(s => s > 0.05)) {
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(M * N);
  }
  if (nb.countS.every(n => n === 0) && nb.countT.every(n => n === 0)) expect(ref.score.every(s => s === 0)).toBe(true);
});

test('identical tokens give the closed form: Â = 1/N, score = ½(1/|Ωs| + 1/|Ωt|) / (|Ωs| + |Ωt|)', async () => {
  const window: Vec4 = [2, 2, 2, 4];
  const spec = { spatial: 5, temporal: 3 };
  const N = 32;
  const C = 8;
  const rng = new Random(3);
  const v = Array.from({ length: C }, () => rng.uniform(-3, 3));
  const h = Float32Array.from({ length: N * C }, (_, i) => v[i % C]);
  const r = await runStrd(h, new Float32Array(N).fill(1), [1, N, C], window, spec);
  const nb = strdNeighbourhoods(window, spec);
  // every token: 7 spatial neighbours (the rest of its 2x2x2 frame), 1 or 2 temporal ones (t ± 1)
  expect(new Set(nb.countS)).toEqual(new Set([7]));
  expect(new Set(nb.countT)).toEqual(new Set([1, 2]));
  for (let i = 0; i < N; i++) {
    const [s, t] = [nb.countS[i], nb.countT[i]];
    expect(r.score[i]).toBeCloseTo((0.5 * (1 / s + 1 / t)) / (s + t), 6);
  }
});

test('the MAE training graph takes one STRD noise input per encoder block; the inference graph none', () => {
  const cfg = models.cpuConfig();
  const sizes = models.deriveSizes(cfg);
  const withStrd = buildMaeGraph(cfg, { batch: 2, strd: { spatial: 5, temporal: 5 } });
  const names = withStrd.graph.inputs.map(t => t.name).filter(n => n.startsWith('strd.'));
  const expected = strdInputs(sizes, 2);
  expect(names).toEqual(expected.map(e => e.name));
  expect(expected.map(e => e.name)).toEqual(['layers.0.blocks.0', 'layers.1.blocks.0', 'layers.2.blocks.0', 'layers.3.blocks.0'].map(p => `strd.${p}`));
  expect(withStrd.graph.inputs.filter(t => t.name.startsWith('strd.')).map(t => t.shape)).toEqual(expected.map(e => e.shape));
  expect(buildMaeGraph(cfg, { batch: 2 }).graph.inputs.map(t => t.name)).toEqual(['x', 'mask']);
});
