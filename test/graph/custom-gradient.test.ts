/**
 * Custom-gradient regions (kernel/graph/custom-gradient.ts): autodiff uses the declared backward
 * instead of the nodes inside, still differentiates inner tensors used outside the region, wraps a
 * forward that returns an existing tensor, and names the region when its backward is malformed.
 */
import * as G from '../../kernel/graph';
import { GradientNotImplementedError } from '../../kernel/errors';
import { createSession } from '../../kernel/runtime/session';

/** Runs a float64 graph; feeds as [values, shape]; outputs as plain arrays. */
async function run(g: G.Graph, feeds: Record<string, [number[], number[]]>): Promise<Record<string, number[]>> {
  const session = await createSession(g, { provider: 'cpu' });
  const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, [v, shape]]) => [k, { data: Float64Array.from(v), shape }])));
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float64Array)]));
}

describe('withCustomGradient', () => {
  it('replaces the walk through the region: x·x with a declared gradient of 10·gy gets 10·gy', async () => {
    const g = new G.Graph('ste');
    const x = g.input('x', [3], 'float64');
    // x² computed as x·x, declared gradient 10·gy (deliberately not 2x, so the test sees which one ran).
    const y = G.withCustomGradient('scaled', [x], () => G.mul(x, x), ({ gy }) => [G.mul(gy, 10)]);
    g.output('y', y);
    const [gx] = G.gradients(G.sum(y), [x]);
    g.output('gx', gx);
    const out = await run(g, { x: [[1, 2, 3], [3]] });
    expect(out.y).toEqual([1, 4, 9]);
    expect(out.gx).toEqual([10, 10, 10]);
  });

  it('inner tensors used outside the region still get their outside gradient through the generic walk', async () => {
    const g = new G.Graph('escape');
    const x = g.input('x', [2], 'float64');
    let inner: G.Tensor | null = null;
    const y = G.withCustomGradient('region', [x], () => {
      inner = G.mul(x, 3);
      return G.add(inner, 1);
    }, ({ gy }) => [G.mul(gy, 3)]);
    // L = Σ y + Σ inner²: dL/dx = 3 (declared) + 2·inner·3 = 3 + 18x (generic, through inner = 3x).
    const [gx] = G.gradients(G.add(G.sum(y), G.sum(G.mul(inner!, inner!))), [x]);
    g.output('gx', gx);
    const out = await run(g, { x: [[1, -2], [2]] });
    expect(out.gx).toEqual([21, -33]);
  });

  it('wraps a forward that returns an existing tensor in an Identity and broadcasts gradients back', async () => {
    const g = new G.Graph('passthrough');
    const x = g.input('x', [2, 3], 'float64');
    const b = g.input('b', [3], 'float64');
    const start = g.nodes.length;
    const y = G.withCustomGradient('passthrough', [x, b], () => x, ({ gy, needs }) => [needs[0] ? gy : null, G.mul(gy, 2)]);
    expect(g.nodes.slice(start).map(n => n.op)).toEqual(['Identity']);
    const [gx, gb] = G.gradients(G.sum(y), [x, b]);
    g.output('gx', gx);
    g.output('gb', gb);
    const out = await run(g, { x: [[1, 2, 3, 4, 5, 6], [2, 3]], b: [[0, 0, 0], [3]] });
    expect(out.gx).toEqual([1, 1, 1, 1, 1, 1]);
    expect(gb.shape).toEqual([3]);
    expect(out.gb).toEqual([4, 4, 4]); // 2·gy summed over the broadcast axis by the engine
  });

  it('names the region when its backward returns the wrong number of gradients', () => {
    const g = new G.Graph('bad');
    const x = g.input('x', [2], 'float64');
    const y = G.withCustomGradient('my-composite', [x], () => G.exp(x), () => []);
    expect(() => G.gradients(G.sum(y), [x])).toThrow(GradientNotImplementedError);
    expect(() => G.gradients(G.sum(y), [x])).toThrow(/custom gradient "my-composite".*returned 0 entries for 1 inputs/);
  });
});
