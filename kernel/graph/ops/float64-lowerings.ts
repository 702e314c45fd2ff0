/**
 * float64 lowerings for ops whose onnxruntime CPU kernel is float32-only at opset 17 (Erf, Softplus),
 * built from ops that do run in double, so float64 graphs (gradient checks) work for every op.
 *
 * erf, accurate to ~1e-16 so float64 gradient checks of Erf/GELU are meaningful:
 * - |x| < 3: erf(x) = 2/√π · x · e^{-x²} · Σ_n (2x²)^n / (2n+1)!!  (all terms positive: no cancellation;
 *   56 terms leave < 1e-20 relative at |x| = 3);
 * - |x| ≥ 3: erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), 60 levels.
 * Checked against Python's math.erf in test/graph/float64-lowerings.test.ts.
 */
import type { LowerContext, LowerNode } from './types';

const SERIES_TERMS = 56;
const FRACTION_LEVELS = 60;
const SPLIT = 3;

export function lowerErfFloat64(n: LowerNode, ctx: LowerContext): void {
  const c = (v: number) => ctx.scalar(v, 'float64');
  const op = (type: string, ...inputs: string[]): string => {
    const out = ctx.fresh('erf64_');
    ctx.node(type, inputs, [out]);
    return out;
  };
  const x = n.inputs[0];
  const ax = op('Abs', x);
  // Series branch on min(|x|, 3), Horner in u = 2x².
  const xs = op('Min', ax, c(SPLIT));
  const xs2 = op('Mul', xs, xs);
  const u = op('Mul', xs2, c(2));
  const coef: number[] = [];
  let doubleFactorial = 1;
  for (let k = 0; k <= SERIES_TERMS; k++) {
    doubleFactorial *= 2 * k + 1;
    coef.push(1 / doubleFactorial);
  }
  let s = c(coef[SERIES_TERMS]);
  for (let k = SERIES_TERMS - 1; k >= 0; k--) s = op('Add', op('Mul', s, u), c(coef[k]));
  const series = op('Mul', op('Mul', op('Mul', xs, op('Exp', op('Neg', xs2))), s), c(2 / Math.sqrt(Math.PI)));
  // Continued-fraction branch on max(|x|, 3).
  const xc = op('Max', ax, c(SPLIT));
  let t = xc;
  for (let k = FRACTION_LEVELS; k >= 1; k--) t = op('Add', xc, op('Div', c(k / 2), t));
  const erfc = op('Div', op('Exp', op('Neg', op('Mul', xc, xc))), op('Mul', t, c(Math.sqrt(Math.PI))));
  const tail = op('Sub', c(1), erfc);
  const magnitude = op('Where', op('Less', ax, c(SPLIT)), series, tail);
  ctx.node('Mul', [op('Sign', x), magnitude], n.outputs);
}

/** softplus(x) = max(x, 0) + ln(1 + e^{-|x|}) (no overflow for large |x|). */
export function lowerSoftplusFloat64(n: LowerNode, ctx: LowerContext): void {
  const x = n.inputs[0];
  const tmp = (type: string, inputs: string[]): string => {
    const out = ctx.fresh('softplus64_');
    ctx.node(type, inputs, [out]);
    return out;
  };
  const tail = tmp('Log', [tmp('Add', [ctx.scalar(1, 'float64'), tmp('Exp', [tmp('Neg', [tmp('Abs', [x])])])])]);
  ctx.node('Add', [tmp('Relu', [x]), tail], n.outputs);
}
