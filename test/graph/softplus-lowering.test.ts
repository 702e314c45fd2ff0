/**
 * The float32 Softplus lowering (kernel/graph/ops/softplus-lowering.ts: vectorised ops instead of
 * onnxruntime's element-by-element kernel) against PyTorch's definition, x > 20 ? x : log1p(e^x),
 * computed in float64: relative error within a few float32 ulps everywhere, including the small
 * outputs of very negative x (e^x, where ln(1 + y) alone would lose everything), the threshold at 20,
 * the floor of its log1p ratio (|x| ≈ 16) and the extremes.
 */
import * as G from '../../kernel/graph';
import { runGraph } from '../../kernel/runtime/session';

const torchSoftplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));

test('float32 softplus matches PyTorch threshold-20 softplus to float32 precision', async () => {
  const xs: number[] = [0, -0, 1e-8, -1e-8, 20, -20, 20.001, 19.999, 88, -88, 100, -100, 3.4e38, -3.4e38];
  for (let v = -30; v <= 30; v += 0.0173) xs.push(v); // dense over the range δ lives in, both floors of the ratio included
  for (let v = -16.2; v <= -15.8; v += 0.001) xs.push(v, -v);
  const x = Float32Array.from(xs);
  const g = new G.Graph('softplus32');
  g.output('y', G.softplus(g.input('x', [x.length])));
  const y = (await runGraph(g, { x: { data: x, shape: [x.length] } }, { provider: 'cpu', threads: 1 })).y.data as Float32Array;
  let worst = 0;
  x.forEach((v, i) => {
    const ref = torchSoftplus(v);
    expect(Number.isFinite(y[i])).toBe(true);
    // Below e^-87 the reference is subnormal or zero in float32: compare absolutely there.
    const err = ref > 1e-37 ? Math.abs(y[i] - ref) / ref : Math.abs(y[i] - ref);
    worst = Math.max(worst, err);
    if (err > 1e-6) throw new Error(`softplus(${v}) = ${y[i]}, PyTorch ${ref} (relative error ${err})`);
  });
  expect(worst).toBeGreaterThan(0); // float32 rounding is visible: the comparison is real
});

test('float32 softplus gradient is the sigmoid', async () => {
  const x = Float32Array.from([-30, -5, -0.5, 0, 0.5, 5, 30]);
  const g = new G.Graph('softplus32-grad');
  const xi = g.input('x', [x.length]);
  const [gx] = G.gradients(G.sum(G.softplus(xi)), [xi]);
  g.output('g', gx);
  const out = (await runGraph(g, { x: { data: x, shape: [x.length] } }, { provider: 'cpu', threads: 1 })).g.data as Float32Array;
  x.forEach((v, i) => expect(out[i]).toBeCloseTo(1 / (1 + Math.exp(-v)), 6));
});
