import * as G from '../../kernel/graph';
import { DTypeError, GradientNotImplementedError, ShapeError, UnknownOpError } from '../../kernel/errors';

describe('typed errors name the node and the shapes', () => {
  test('shape mismatch: ShapeError naming op, node and input shapes', () => {
    const g = new G.Graph('err');
    const a = g.input('a', [2, 3]);
    const b = g.input('b', [4, 5]);
    expect(() => G.matmul(a, b)).toThrow(ShapeError);
    expect(() => G.matmul(a, b)).toThrow(/MatMul \(node MatMul_\d+\) with inputs a:float32\[2,3\], b:float32\[4,5\]: inner dimensions differ/);
    expect(() => G.add(a, b)).toThrow(/Add \(node .*a:float32\[2,3\], b:float32\[4,5\].*do not broadcast/);
    expect(() => G.reshape(a, [4, 2])).toThrow(ShapeError);
    expect(() => G.layerNorm(a, g.param('s', [2]), g.param('t', [2]))).toThrow(/scale \[2\] must be \[3\]/);
  });

  test('dtype mismatch: DTypeError', () => {
    const g = new G.Graph('err');
    expect(() => G.add(g.input('a', [2]), g.input('b', [2], 'float64'))).toThrow(DTypeError);
    expect(() => G.gather(g.input('c', [3]), g.input('i', [1]))).toThrow(/indices must be int64/);
  });

  test('unknown op: UnknownOpError', () => {
    const g = new G.Graph('err');
    expect(() => g.emit('Conv3dFancy', [g.input('a', [2])])).toThrow(UnknownOpError);
    expect(() => G.getOp('Nope')).toThrow(/unknown op "Nope"/);
  });

  test('non-differentiable op on the gradient path: GradientNotImplementedError naming the node', () => {
    const g = new G.Graph('err');
    const w = g.param('w', [3]);
    const loss = G.sum(G.mul(G.sign(w), w));
    expect(() => G.gradients(loss, [w])).toThrow(GradientNotImplementedError);
    expect(() => G.gradients(loss, [w])).toThrow(/Sign \(node Sign_\d+\) with inputs w:float32\[3\] is not differentiable/);
    // stopGradient is the documented way around it.
    const ok = G.sum(G.mul(G.stopGradient(G.sign(w)), w));
    expect(G.gradients(ok, [w])[0].shape).toEqual([3]);
  });

  test('not-implemented rule (negative-step slice) on the gradient path', () => {
    const g = new G.Graph('err');
    const w = g.param('w', [4]);
    const loss = G.sum(G.sliceAxis(w, 0, -1, -5, -1));
    expect(() => G.gradients(loss, [w])).toThrow(GradientNotImplementedError);
    expect(() => G.gradients(loss, [w])).toThrow(/negative step -1/);
  });

  test('sumToShape refuses impossible reductions', () => {
    const g = new G.Graph('err');
    expect(() => G.sumToShape(g.input('a', [2, 3]), [4])).toThrow(ShapeError);
    expect(G.sumToShape(g.input('b', [5, 2, 3]), [2, 1]).shape).toEqual([2, 1]);
  });
});
