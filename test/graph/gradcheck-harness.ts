/**
 * The one table-driven gradient checker (style.md, point 9): builds a float64 graph for a case,
 * differentiates L = Σ y·W (W random, so every output element matters) with the engine, and
 * compares each input's gradient with central finite differences of L.
 */
import * as G from '../../kernel/graph';
import { createSession } from '../../kernel/runtime/session';
import { createRng } from '../../kernel/random';
import type { HostTensor } from '../../kernel/runtime/host-tensor';

export interface InputSpec {
  shape: number[];
  /** Value range (uniform); default [-2, 2]. Use ranges away from kinks (|x|, relu) and poles. */
  range?: [number, number];
  /** Explicit values (e.g. distinct values for max). */
  values?: number[];
  /** int64 input (indices, labels): not differentiated. */
  int64?: boolean;
  /** Differentiate with respect to this input (default true for float inputs). */
  grad?: boolean;
}

export interface GradCase {
  /** Registry op the case exercises (the graph must contain a node of it). */
  op: string;
  name: string;
  inputs: InputSpec[];
  build: (xs: G.Tensor[]) => G.Tensor;
  /** The op blocks the gradient (StopGradient): the check is that the engine's gradient is 0. */
  blocks?: boolean;
}

export interface GradCheckResult {
  maxError: number;
  opsInGraph: Set<string>;
  analytic: Float64Array[];
  numeric: Float64Array[];
}

const H = 1e-6;

export async function gradCheck(c: GradCase, seed = 7): Promise<GradCheckResult> {
  const rng = createRng(seed);
  const g = new G.Graph(`gradcheck_${c.name}`);
  const values: HostTensor[] = c.inputs.map(spec => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.int64) return { data: BigInt64Array.from((spec.values ?? []).map(v => BigInt(v))), shape: spec.shape };
    const [lo, hi] = spec.range ?? [-2, 2];
    const data = spec.values ? Float64Array.from(spec.values) : Float64Array.from({ length: n }, () => rng.uniform(lo, hi));
    return { data, shape: spec.shape };
  });
  const xs = c.inputs.map((spec, i) => g.input(`x${i}`, spec.shape, spec.int64 ? 'int64' : 'float64'));
  const y = c.build(xs);
  const weights = g.constant(Float64Array.from({ length: y.size }, () => rng.uniform(0.5, 1.5)), y.shape, 'float64');
  const loss = G.sum(G.mul(y, weights));
  g.output('L', loss);
  const diffIdx = c.inputs.flatMap((spec, i) => (!spec.int64 && spec.grad !== false ? [i] : []));
  const grads = G.gradients(loss, diffIdx.map(i => xs[i]));
  grads.forEach((t, k) => g.output(`g${k}`, t));
  const opsInGraph = new Set(g.nodes.map(n => n.op));

  const feeds = Object.fromEntries(values.map((v, i) => [`x${i}`, v]));
  const full = await createSession(g, { provider: 'cpu', threads: 1, cache: false });
  const lossOnly = await createSession(g, { provider: 'cpu', threads: 1, cache: false, outputs: ['L'] });
  try {
    const out = await full.run(feeds);
    const analytic = diffIdx.map((_, k) => out[`g${k}`].data as Float64Array);
    const numeric: Float64Array[] = [];
    let maxError = 0;
    for (let k = 0; k < diffIdx.length; k++) {
      const base = values[diffIdx[k]].data as Float64Array;
      const num = new Float64Array(base.length);
      for (let e = 0; e < base.length; e++) {
        const orig = base[e];
        base[e] = orig + H;
        const up = Number((await lossOnly.run(feeds)).L.data[0]);
        base[e] = orig - H;
        const down = Number((await lossOnly.run(feeds)).L.data[0]);
        base[e] = orig;
        num[e] = (up - down) / (2 * H);
        const expected = c.blocks ? 0 : num[e];
        // Relative error with a floor of 1 on the scale (rtol = atol = 1e-6 for small gradients).
        const err = Math.abs(analytic[k][e] - expected) / Math.max(1, Math.abs(expected));
        maxError = Math.max(maxError, err);
      }
      numeric.push(num);
    }
    return { maxError, opsInGraph, analytic, numeric };
  } finally {
    await full.release();
    await lossOnly.release();
  }
}
