/**
 * sumGradients (kernel/graph/backward.ts): slice gradients on disjoint spans of one axis are joined
 * by one Concat instead of summed as full-size Pads; the gradient is unchanged (float64, compared
 * with the Pad + Add rule and with the hand-derived values).
 */
import * as G from '../../kernel/graph';
import { withPaddedSums } from '../../kernel/graph/backward';
import { createSession } from '../../kernel/runtime/session';

/** x [6, 2]: rows 0-1 · 2, rows 2-3 · 3 (via one Slice each), row 5 · 5, rows 1-2 · 7 (overlapping), plus x² everywhere. Row 4: no slice. */
function build(mode: 'add' | 'concat'): { g: G.Graph; ops: string[] } {
  const g = new G.Graph(`sums-${mode}`);
  const x = g.input('x', [6, 2], 'float64');
  const rows = (a: number, b: number) => G.sliceAxis(x, 0, a, b);
  const loss = G.add(
    G.add(G.add(G.sum(G.mul(rows(0, 2), 2)), G.sum(G.mul(rows(2, 4), 3))), G.add(G.sum(G.mul(rows(5, 6), 5)), G.sum(G.mul(rows(1, 3), 7)))),
    G.sum(G.mul(x, x))
  );
  const [gx] = withPaddedSums(mode, () => G.gradients(loss, [x]));
  g.output('gx', gx);
  return { g, ops: G.liveNodes(g, [gx]).map(n => n.op) };
}

async function gradient(g: G.Graph, x: number[]): Promise<number[]> {
  const session = await createSession(g, { provider: 'cpu' });
  const out = await session.run({ x: { data: Float64Array.from(x), shape: [6, 2] } });
  return Array.from(out.gx.data as Float64Array, v => v + 0); // +0: -0 and 0 compare equal
}

describe('gradient contributions that are zero-padded slices', () => {
  const x = [0.5, -1.25, 2, 0.75, -3, 1.5, 0.25, -0.5, 4, -2, 1, 0.125];

  it('are joined by a Concat, with the same gradient as the Pad + Add rule and the hand-derived one', async () => {
    const joined = build('concat');
    const summed = build('add');
    expect(joined.ops).toContain('Concat');
    expect(summed.ops).not.toContain('Concat');
    // Three disjoint slices joined (the overlapping one stays a Pad added on top): fewer Pads and Adds.
    const count = (ops: string[], op: string) => ops.filter(o => o === op).length;
    expect(count(joined.ops, 'Pad')).toBe(1);
    expect(count(summed.ops, 'Pad')).toBe(4);
    expect(count(joined.ops, 'Add')).toBeLessThan(count(summed.ops, 'Add'));
    const a = await gradient(joined.g, x);
    const b = await gradient(summed.g, x);
    expect(a).toEqual(b);
    // d/dx: 2x + per-row slice coefficients (row 0: 2, row 1: 2 + 7, row 2: 3 + 7, row 3: 3, row 4: 0, row 5: 5).
    const coef = [2, 9, 10, 3, 0, 5];
    expect(a).toEqual(x.map((v, i) => 2 * v + coef[Math.floor(i / 2)]));
  });
});
