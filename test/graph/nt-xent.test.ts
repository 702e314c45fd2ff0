/**
 * NT-Xent (graph/api/losses.ts ntXent, the subject-contrastive pretraining term): its value on
 * cases with a closed form, against torch (the standard 2N-view SimCLR form: cross-entropy over the
 * similarity rows with the self-pair removed; skipped without torch), and its float64 gradient, with
 * and without the projection and normalisation in front, against central finite differences.
 */
import { spawnSync } from 'child_process';
import * as G from '../../kernel/graph';
import { createSession } from '../../kernel/runtime/session';
import { createRng } from '../../kernel/random';
import { ntXentHost } from '../../kernel/train/contrastive';
import { gradCheck } from './gradcheck-harness';

async function engineNtXent(rows: number[][], tau: number, normalise: boolean): Promise<number> {
  const g = new G.Graph('ntxent');
  const x = g.input('x', [rows.length, rows[0].length], 'float64');
  g.output('L', G.ntXent(normalise ? G.l2Normalize(x) : x, tau));
  const s = await createSession(g, { provider: 'cpu', threads: 1, cache: false });
  try {
    return Number((await s.run({ x: { data: Float64Array.from(rows.flat()), shape: [rows.length, rows[0].length] } })).L.data[0]);
  } finally {
    await s.release();
  }
}

const TORCH_SCRIPT = `
import json, sys
try:
    import torch, torch.nn.functional as F
except Exception as e:
    print(json.dumps({"skip": str(e)})); sys.exit(0)
d = json.load(sys.stdin)
z = F.normalize(torch.tensor(d["x"], dtype=torch.float64), dim=1)
M = z.shape[0]; N = M // 2
sim = z @ z.T / d["tau"]
sim = sim.masked_fill(torch.eye(M, dtype=torch.bool), float("-inf"))
target = torch.cat([torch.arange(N, M), torch.arange(0, N)])
print(json.dumps({"loss": F.cross_entropy(sim, target).item()}))
`;

describe('ntXent', () => {
  test('closed forms: identical views give log(2N-1); matched pairs with orthogonal negatives give -log(e^(1/τ) / (e^(1/τ) + 2N-2))', async () => {
    const same = Array.from({ length: 6 }, () => [0.6, 0.8, 0]);
    expect(await engineNtXent(same, 0.1, false)).toBeCloseTo(Math.log(5), 10);
    // N = 2: subjects a = e1 and b = e2, two identical views each
    const pairs = [[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]];
    const expected = -Math.log(Math.exp(10) / (Math.exp(10) + 2));
    expect(await engineNtXent(pairs, 0.1, false)).toBeCloseTo(expected, 10);
    expect(ntXentHost(pairs.map(r => Float32Array.from(r)), 0.1)).toBeCloseTo(expected, 5);
  });

  test('matches torch (F.normalize, masked self-similarity, cross_entropy) to 1e-10; the host twin to 1e-5 (skipped without torch)', async () => {
    const rng = createRng(5);
    const x = Array.from({ length: 8 }, () => Array.from({ length: 5 }, () => rng.uniform(-1, 1)));
    const engine = await engineNtXent(x, 0.1, true);
    const norm = x.map(r => {
      const n = Math.hypot(...r);
      return Float32Array.from(r.map(v => v / n));
    });
    expect(ntXentHost(norm, 0.1)).toBeCloseTo(engine, 5);
    const run = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT], { input: JSON.stringify({ x, tau: 0.1 }), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (run.error || run.status !== 0) {
      console.warn(`python3 unavailable (${run.error?.message ?? run.stderr}); torch comparison skipped`);
      return;
    }
    const torch = JSON.parse(run.stdout) as { skip?: string; loss: number };
    if (torch.skip) {
      console.warn(`import torch failed (${torch.skip}); torch comparison skipped`);
      return;
    }
    expect(Math.abs(engine - torch.loss)).toBeLessThan(1e-10);
  });

  test('float64 gradient of NT-Xent(L2 normalise(x)) matches central finite differences', async () => {
    const r = await gradCheck({ op: 'LogSoftmax', name: 'ntxent', inputs: [{ shape: [6, 5], range: [-1, 1] }], build: ([x]) => G.ntXent(G.l2Normalize(x), 0.1) });
    expect(r.maxError).toBeLessThanOrEqual(1e-6);
    expect(r.numeric[0].some(v => Math.abs(v) > 1e-3)).toBe(true);
  });

  // Pooled features near a common vector, as the collapsed MAE's (wide random ones saturate the
  // softmax at τ 0.1 and leave gradients of 1e-5, which would pass vacuously).
  test('float64 gradient through the projection (pooled [6, 6] near a common vector · fc1ᵀ [4, 6], no bias, L2, NT-Xent) matches finite differences for both inputs', async () => {
    const r = await gradCheck({
      op: 'LogSoftmax',
      name: 'ntxent_projected',
      inputs: [{ shape: [6, 6], range: [0.8, 1.2] }, { shape: [4, 6], range: [-1, 1] }],
      build: ([pooled, w]) => G.ntXent(G.l2Normalize(G.linear(pooled, w)), 0.1)
    });
    expect(r.maxError).toBeLessThanOrEqual(1e-6);
    expect(r.numeric.every(n => n.some(v => Math.abs(v) > 1e-3))).toBe(true);
  });

  test('refuses fewer than 2 pairs, an odd number of views, and τ <= 0', () => {
    const g = new G.Graph('bad');
    expect(() => G.ntXent(g.input('a', [2, 3], 'float64'), 0.1)).toThrow(/\[2N, d\] with N >= 2/);
    expect(() => G.ntXent(g.input('b', [5, 3], 'float64'), 0.1)).toThrow(/\[2N, d\] with N >= 2/);
    expect(() => G.ntXent(g.input('c', [4, 3], 'float64'), 0)).toThrow(/temperature/);
  });
});
