/**
 * Softplus for float32 as vectorised onnxruntime ops instead of its Softplus kernel, which computes
 * element by element (both branches of a select, each with exp and log1p): on the official Mamba's
 * δ (5.9 M elements per stage-0 block) it cost ~10% of the whole forward. The composite below runs
 * in 0.40–0.47× its time (test/bench/forward-variants.ts --softplus, side by side) and is as exact:
 * max relative error 3.4e−7 against PyTorch's threshold-20 softplus in float64 (onnxruntime's kernel
 * 3.4e−7 too).
 *
 * softplus(x) = max(x, 0) + log1p(y), y = e^{−|x|} ∈ (0, 1]. ONNX has no log1p, and ln(1 + y) loses
 * y's low bits when y is small (δ ≈ 1e−3 would carry a 6e−5 relative error), so log1p is formed as
 * y · ln(u)/(u − 1) with u = 1 + y (Goldberg: u − 1 is exact, and the ratio cancels u's rounding).
 * The ratio is computed with y floored at 1.2e−7 (so u > 1); below the floor ln(1 + y)/y = 1 to
 * float32 precision anyway, and the product keeps the true y, so e^x survives for very negative x.
 * For x > 20, x + log1p(y) rounds to x in float32: PyTorch's threshold changes nothing there.
 */
import type { LowerContext, LowerNode } from './types';

/** Smallest y used in the ratio ln(1 + y)/(u − 1): 1 + 1.2e−7 rounds up to 1 + 2^−23, never to 1. */
const RATIO_FLOOR = 1.2e-7;

export function lowerSoftplusFloat32(n: LowerNode, ctx: LowerContext): void {
  const op = (type: string, ...inputs: string[]): string => {
    const out = ctx.fresh('softplus_');
    ctx.node(type, inputs, [out]);
    return out;
  };
  const c = (v: number) => ctx.scalar(v, 'float32');
  const x = n.inputs[0];
  const y = op('Exp', op('Neg', op('Abs', x)));
  const u = op('Add', op('Max', y, c(RATIO_FLOOR)), c(1));
  const log1p = op('Mul', y, op('Div', op('Log', u), op('Sub', u, c(1))));
  ctx.node('Add', [op('Relu', x), log1p], n.outputs);
}
