/**
 * Ops whose float32 lowering differs from the float64 one the gradient checks exercise (LayerNorm
 * with onnxruntime's Mean/InvStdDev outputs, fused GELU, native Erf/Softplus): float32 values and
 * gradients must match float64 ones to float32 accuracy.
 */
import * as G from '../../kernel/graph';
import { runGraph } from '../../kernel/runtime/session';
import { createRng } from '../../kernel/random';

interface Case {
  name: string;
  shapes: number[][];
  build: (xs: G.Tensor[]) => G.Tensor;
}

const CASES: Case[] = [
  { name: 'layerNorm', shapes: [[4, 3, 8], [8], [8]], build: ([x, s, b]) => G.layerNorm(x, s, b) },
  { name: 'layerNorm over two axes', shapes: [[2, 3, 8], [3, 8], [3, 8]], build: ([x, s, b]) => G.layerNorm(x, s, b) },
  { name: 'gelu', shapes: [[5, 7]], build: ([x]) => G.gelu(G.mul(x, 2)) },
  { name: 'erf + softplus', shapes: [[9]], build: ([x]) => G.mul(G.erf(x), G.softplus(G.mul(x, 3))) }
];

async function evaluate(c: Case, dtype: 'float32' | 'float64'): Promise<number[][]> {
  const rng = createRng(4);
  const g = new G.Graph(`${c.name}-${dtype}`);
  const xs = c.shapes.map((s, i) => g.input(`x${i}`, s, dtype));
  const y = c.build(xs);
  const w = g.constant(Array.from({ length: y.size }, () => rng.uniform(-1, 1)), y.shape, dtype);
  const loss = G.sum(G.mul(y, w));
  g.output('y', y);
  G.gradients(loss, xs).forEach((t, i) => g.output(`g${i}`, t));
  const feedRng = createRng(5);
  const feeds = Object.fromEntries(c.shapes.map((s, i) => {
    const values = Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => feedRng.uniform(-2, 2));
    return [`x${i}`, { data: dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values), shape: s }];
  }));
  const out = await runGraph(g, feeds, { provider: 'cpu', threads: 1 });
  return [...g.outputs.keys()].map(k => Array.from(out[k].data as Float64Array));
}

test.each(CASES.map(c => [c.name, c] as const))('%s: float32 matches float64', async (_n, c) => {
  const [f32, f64] = [await evaluate(c, 'float32'), await evaluate(c, 'float64')];
  f64.forEach((ref, k) => {
    const scale = Math.max(1, ...ref.map(Math.abs));
    const err = Math.max(...ref.map((v, i) => Math.abs(v - f32[k][i])));
    expect(err / scale).toBeLessThan(2e-5);
  });
});
