/**
 * The selective scan's custom backward (the reverse-time chunked recurrence, kernel/models/selective-scan.ts)
 * against generic autodiff through the chunk nodes (the peer: the same function differentiated op by op)
 * and against central finite differences, in float64, on shapes that exercise every branch: L = 1,
 * L ≤ chunk, L a multiple of the chunk, L not a multiple, two to five chunk levels, broadcast logA,
 * and decays strong enough that the per-step and chunk-level floors are active.
 */
import * as G from '../../kernel/graph';
import { createSession } from '../../kernel/runtime/session';
import { createRng, Rng } from '../../kernel/random';
import { dependents } from '../../kernel/graph/recompute';
import type { HostTensor } from '../../kernel/runtime/host-tensor';
import { linearRecurrence, selectiveScan, LOG_DECAY_FLOOR, ScanBackward } from '../../kernel/models/selective-scan';

type Feeds = Record<string, HostTensor>;

const fill = (rng: Rng, shape: number[], lo: number, hi: number): HostTensor => ({
  data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(lo, hi)),
  shape
});

/** max |a − b| / max |b|: the error relative to the gradient's scale. */
function relError(a: Float64Array, b: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / Math.max(scale, 1e-300);
}

/**
 * Builds L = Σ f(inputs)·W twice in one float64 graph (custom and generic backward), returns both
 * gradients per input and a forward-only session for finite differences of the custom copy.
 */
async function compare(inputs: Record<string, number[]>, values: Feeds, f: (xs: G.Tensor[], backward: ScanBackward) => G.Tensor, seed: number) {
  const g = new G.Graph('scan_backward');
  const names = Object.keys(inputs);
  const xs = names.map(n => g.input(n, inputs[n], 'float64'));
  const rng = createRng(seed);
  let w: G.Tensor | null = null;
  // How many tensors computed by f the backward reads (what the forward must keep alive for it).
  const keptForBackward = {} as Record<ScanBackward, number>;
  for (const mode of ['recurrence', 'autodiff'] as const) {
    const start = g.nodes.length;
    const y = f(xs, mode);
    const internal = new Set(g.nodes.slice(start).flatMap(n => n.outputs));
    w ??= g.constant(Float64Array.from({ length: y.size }, () => rng.uniform(0.5, 1.5)), y.shape, 'float64');
    const loss = g.output(`loss_${mode}`, G.sum(G.mul(y, w)));
    const before = g.nodes.length;
    G.gradients(loss, xs).forEach((t, i) => g.output(`${mode}/${names[i]}`, t));
    // A Reshape is a view: reshape(reshape(t)) collapses at build time, so count the data behind it.
    const data = (t: G.Tensor): G.Tensor => (t.producer?.op === 'Reshape' && internal.has(t.producer.inputs[0]) ? data(t.producer.inputs[0]) : t);
    keptForBackward[mode] = new Set(g.nodes.slice(before).flatMap(n => n.inputs.filter(t => internal.has(t)).map(data))).size;
  }
  const out = await (await createSession(g, { provider: 'cpu' })).run(values);
  const forward = await createSession(g, { provider: 'cpu', outputs: ['loss_recurrence', 'loss_autodiff'] });
  const grad = (mode: ScanBackward, n: string) => out[`${mode}/${n}`].data as Float64Array;
  return { g, names, out, forward, grad, keptForBackward };
}

interface RecurrenceCase {
  name: string;
  shape: [number, number, number, number];
  /** logA's shape (broadcast to x's when it has 1s). */
  logAShape?: number[];
  chunk: number;
  logA: [number, number];
}

const RECURRENCE_CASES: RecurrenceCase[] = [
  { name: 'L = 1', shape: [2, 1, 3, 2], chunk: 4, logA: [-1, 0.2] },
  { name: 'L < chunk', shape: [2, 3, 3, 2], chunk: 4, logA: [-1, 0.2] },
  { name: 'L = chunk', shape: [1, 4, 2, 3], chunk: 4, logA: [-1, 0.2] },
  { name: 'L = 2 chunks', shape: [2, 8, 2, 2], chunk: 4, logA: [-1, 0.2] },
  { name: 'L not a multiple (7, K 4)', shape: [2, 7, 3, 2], chunk: 4, logA: [-1, 0.2] },
  { name: 'three levels (37, K 4)', shape: [2, 37, 2, 3], chunk: 4, logA: [-0.8, 0.1] },
  { name: 'five levels (70, K 2)', shape: [1, 70, 2, 2], chunk: 2, logA: [-0.3, 0.05] },
  { name: 'two levels (17, K 3)', shape: [3, 17, 2, 2], chunk: 3, logA: [-1, 0.2] },
  { name: 'broadcast logA [M, L, E, 1]', shape: [2, 13, 3, 2], logAShape: [2, 13, 3, 1], chunk: 4, logA: [-1, 0.2] },
  { name: 'chunk-level floor active (strong decay)', shape: [2, 29, 2, 3], chunk: 4, logA: [-14, -2] }
];

describe('linearRecurrence: custom backward', () => {
  it.each(RECURRENCE_CASES)('$name: equals generic autodiff (1e-10) and central differences (1e-6)', async c => {
    const rng = createRng(11);
    const [M, L, E, N] = c.shape;
    const logAShape = c.logAShape ?? c.shape;
    // Raw logA goes through the per-step floor in the graph, as selectiveScan does.
    const values: Feeds = { logA: fill(rng, logAShape, c.logA[0], c.logA[1]), x: fill(rng, [M, L, E, N], -1, 1) };
    const { names, out, forward, grad, g, keptForBackward } = await compare(
      { logA: logAShape, x: [M, L, E, N] },
      values,
      ([la, x], mode) => linearRecurrence(G.maximum(la, LOG_DECAY_FLOOR), x, c.chunk, mode),
      3
    );
    // Forward values agree (the region changes no forward node).
    expect(out.loss_recurrence.data[0]).toBe(out.loss_autodiff.data[0]);
    // The custom backward adds no Identity, and it reads only the floored logA, h and one chunk-end
    // tensor per chunk level of the forward, where generic autodiff reads the chunk intermediates.
    if (L > 1) expect(g.nodes.filter(n => n.op === 'Identity')).toHaveLength(0);
    let levels = 0;
    for (let n = L; n > c.chunk; n = Math.ceil(n / c.chunk)) levels++;
    expect(keptForBackward.recurrence).toBeLessThanOrEqual(2 + levels);
    if (L > c.chunk) expect(keptForBackward.autodiff).toBeGreaterThan(3 * keptForBackward.recurrence);
    for (const n of names) {
      const custom = grad('recurrence', n);
      const generic = grad('autodiff', n);
      expect(custom).toHaveLength(values[n].data.length);
      expect(relError(custom, generic)).toBeLessThan(1e-10);
      // Central differences on the largest-gradient element and three random ones.
      let imax = 0;
      for (let i = 1; i < custom.length; i++) if (Math.abs(custom[i]) > Math.abs(custom[imax])) imax = i;
      const data = values[n].data as Float64Array;
      for (const i of [imax, ...[0, 1, 2].map(() => Math.floor(rng.next() * data.length))]) {
        const keep = data[i];
        const h = 1e-6;
        data[i] = keep + h;
        const up = Number((await forward.run(values)).loss_recurrence.data[0]);
        data[i] = keep - h;
        const down = Number((await forward.run(values)).loss_recurrence.data[0]);
        data[i] = keep;
        const fd = (up - down) / (2 * h);
        expect(Math.abs(fd - custom[i]) / Math.max(1, Math.abs(custom[imax]))).toBeLessThan(1e-6);
      }
    }
    if (L === 1) expect(Math.max(...grad('recurrence', 'logA').map(Math.abs))).toBe(0);
  });

  it('has the floored function\'s gradient: zero for logA below the per-step floor', async () => {
    const rng = createRng(5);
    const values: Feeds = { logA: fill(rng, [1, 9, 2, 2], -30, -20), x: fill(rng, [1, 9, 2, 2], -1, 1) };
    const { grad } = await compare({ logA: [1, 9, 2, 2], x: [1, 9, 2, 2] }, values, ([la, x], mode) => linearRecurrence(G.maximum(la, LOG_DECAY_FLOOR), x, 4, mode), 9);
    expect(Math.max(...grad('recurrence', 'logA').map(Math.abs))).toBe(0);
    expect(relError(grad('recurrence', 'x'), grad('autodiff', 'x'))).toBeLessThan(1e-10);
  });
});

describe('selectiveScan: custom backward', () => {
  const pastFloor: Record<string, number> = {};
  afterAll(() => console.log(`selectiveScan past the floors, straight-through vs floored gradient (relative to scale): ${JSON.stringify(pastFloor)}`));
  const [M, L, E, N] = [4, 23, 3, 4];
  /**
   * Inputs of the group tests. Without `pastFloor`, δ ≤ 0.3 and |A| ≤ 3.5: no floor is active at any
   * level (a step's δ·A ≥ −1.05, a 16-step chunk's decay ≥ e^−16.8); with it, every 17th δ is 25 (δ·A
   * down to −87: the per-step floor, and so the chunk-level floors of those chunks, are active).
   */
  const scanValues = (pastFloor: boolean): Feeds => {
    const rng = createRng(21);
    const delta = fill(rng, [M, L, E], 0.01, pastFloor ? 2 : 0.3);
    if (pastFloor) for (let i = 0; i < delta.data.length; i += 17) (delta.data as Float64Array)[i] = 25;
    return {
      u: fill(rng, [M, L, E], -1, 1),
      delta,
      A: { data: Float64Array.from({ length: E * N }, (_, i) => -(0.5 + (i % N))), shape: [E, N] },
      B: fill(rng, [M, L, N], -1, 1),
      C: fill(rng, [M, L, N], -1, 1)
    };
  };
  const shapesOf = (values: Feeds) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.shape]));
  // block 384 = one window of 32 padded steps × E 3 × N 4: each group scans its 2 windows as 2 blocks.
  const BLOCKS = [
    { blocks: 'one block per group', block: undefined },
    { blocks: 'window blocks inside each group', block: 384 }
  ];

  it.each(BLOCKS)('equals generic autodiff for u, δ, A, B, C (window groups, $blocks, L not a multiple of the chunk, no floor active)', async ({ block }) => {
    const values = scanValues(false);
    const { names, grad, out } = await compare(shapesOf(values), values, ([u, d, A, B, C], mode) => selectiveScan(u, d, A, B, C, { groups: 2, block, backward: mode }), 4);
    expect(out.loss_recurrence.data[0]).toBe(out.loss_autodiff.data[0]);
    for (const n of names) expect(relError(grad('recurrence', n), grad('autodiff', n))).toBeLessThan(1e-10);
  });

  it.each(BLOCKS)('past the floors ($blocks): their gradients straight through, within float32 rounding of the floored function\'s', async ({ block }) => {
    const values = scanValues(true);
    const { grad } = await compare(shapesOf(values), values, ([u, d, A, B, C], mode) => selectiveScan(u, d, A, B, C, { groups: 2, block, backward: mode }), 4);
    // Generic autodiff differentiates the floored function (the floors' Max masks). ∂L/∂x is the same
    // for both, so u, B and C agree to float64 rounding; δ and A differ where a floor is active, by
    // e^−18-sized terms: 1.2e−9 (δ) and 3.2e−8 (A) of the gradient's scale here (δ·A down to −87),
    // under float32's unit roundoff 2^−24.
    for (const n of ['u', 'B', 'C']) expect(relError(grad('recurrence', n), grad('autodiff', n))).toBeLessThan(1e-10);
    for (const n of ['delta', 'A']) {
      const diff = relError(grad('recurrence', n), grad('autodiff', n));
      pastFloor[`${block ?? 'one'}:${n}`] = diff;
      expect(diff).toBeGreaterThan(1e-12); // the floors are active in this case
      expect(diff).toBeLessThan(2 ** -24);
    }
  });

  it('pads and splits a group\'s small inputs once for all its window blocks (no Slice or Pad per block and input)', () => {
    // block 384: each of the 4 windows (23 steps padded to 32, E 3, N 4) is its own block.
    const [M, L, E, N] = [4, 23, 3, 4];
    const g = new G.Graph('scan_blocks');
    const u = g.input('u', [M, L, E], 'float64');
    const d = g.input('delta', [M, L, E], 'float64');
    const A = g.input('A', [E, N], 'float64');
    const B = g.input('B', [M, L, N], 'float64');
    const C = g.input('C', [M, L, N], 'float64');
    const y = selectiveScan(u, d, A, B, C, { block: 384, backward: 'recurrence' });
    G.gradients(G.sum(G.mul(y, y)), [u, d, A, B, C]);
    const small = (op: string) => g.nodes.filter(n => n.op === op && n.inputs[0].rank === 3).length;
    // Forward u, δ, B, C and backward u, δ, B, C, ∂L/∂y: one Pad and one 4-way Split each.
    expect(small('Pad')).toBe(9);
    expect(g.nodes.filter(n => n.op === 'Split' && n.outputs.length === M).length).toBe(9);
    // y and the four per-window gradients are cut back to L once each, after joining the blocks.
    expect(g.nodes.filter(n => n.op === 'Slice' && n.inputs[0].rank === 3 && n.outputs[0].shape[1] === L).length).toBe(5);
    expect(g.nodes.filter(n => n.op === 'Transpose').length).toBe(3);
  });

  it('keeps no [M, L, N, E] forward tensor for the backward, and runs the groups\' backwards in a chain', () => {
    const [M, L, E, N, groups] = [6, 11, 3, 4, 3];
    const g = new G.Graph('scan_chain');
    const [u, d, A, B, C] = (
      [
        ['u', [M, L, E]],
        ['delta', [M, L, E]],
        ['A', [E, N]],
        ['B', [M, L, N]],
        ['C', [M, L, N]]
      ] as const
    ).map(([n, shape]) => g.input(n, [...shape], 'float64'));
    const start = g.nodes.length;
    const y = selectiveScan(u, d, A, B, C, { groups, backward: 'recurrence' });
    const forward = new Set(g.nodes.slice(start).flatMap(n => n.outputs));
    const loss = G.sum(G.mul(y, y));
    const before = g.nodes.length;
    G.gradients(loss, [u, d, A, B, C]);
    const backward = g.nodes.slice(before);
    // One group's state: (M / groups) windows × L × N × E.
    const state = (M / groups) * L * N * E;
    const readFromForward = backward.flatMap(n => n.inputs.filter(t => forward.has(t)));
    expect(readFromForward.length).toBeGreaterThan(0);
    expect(Math.max(...readFromForward.map(t => t.size))).toBeLessThan(state);
    // The backward's state tensors (trailing axes [N, E]): those of the group built last depend on
    // those of the group built first.
    const big = backward.flatMap(n => n.outputs).filter(t => t.size >= state && t.shape.length >= 4 && t.shape.slice(-2).join() === `${N},${E}`);
    expect(big.length).toBeGreaterThan(groups);
    const downstream = dependents(backward, [big[0]]);
    // (without the chain the groups' backwards are independent: the last reaches none of the first's)
    expect(downstream.has(big[big.length - 1])).toBe(true);
  });
});
