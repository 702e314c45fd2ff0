import * as G from '../../kernel/graph';

describe('graph builder', () => {
  test('stacked transposes and reshapes collapse to one node of the source', () => {
    const g = new G.Graph('simplify');
    const x = g.input('x', [2, 3, 4]);
    const t = G.transpose(G.transpose(x, [1, 2, 0]), [2, 0, 1]);
    expect(t).toBe(x);
    const t2 = G.transpose(G.transpose(x, [1, 0, 2]), [0, 2, 1]);
    expect(t2.producer?.inputs[0]).toBe(x);
    expect(t2.producer?.attrs.perm).toEqual([1, 2, 0]);
    expect(t2.shape).toEqual([3, 4, 2]);
    const r = G.reshape(G.reshape(x, [6, 4]), [2, 3, 4]);
    expect(r).toBe(x);
    expect(G.reshape(G.reshape(x, [6, 4]), [24]).producer?.inputs[0]).toBe(x);
  });
});

describe('graph builder declarations', () => {
  test('static shapes are inferred at build time; scopes name nodes', () => {
    const g = new G.Graph('shapes');
    const x = g.input('x', [2, 5, 6]);
    const y = g.scope('block.0', () => G.softmax(G.matmul(x, G.transpose(x, [0, 2, 1]))));
    expect(y.shape).toEqual([2, 5, 5]);
    expect(y.producer?.name).toMatch(/^block\.0\/Softmax_\d+$/);
    expect(G.split(x, [1, 5], 2).map(t => t.shape)).toEqual([[2, 5, 1], [2, 5, 5]]);
    expect(G.sliceAxis(x, 1, -3, 100, 2).shape).toEqual([2, 2, 6]);
    expect(G.pad(x, [[0, 0], [3, 0], [1, 1]]).shape).toEqual([2, 8, 8]);
    expect(G.gather(x, g.constant([0, 1, 1, 0], [2, 2], 'int64'), 2).shape).toEqual([2, 5, 2, 2]);
    expect(G.sum(x, [-1], true).shape).toEqual([2, 5, 1]);
    expect(G.flatten(x).shape).toEqual([2, 30]);
    expect(G.crossEntropy(G.reshape(x, [10, 6]), g.input('y', [10], 'int64')).shape).toEqual([]);
  });

  test('names are unique across inputs, params and outputs', () => {
    const g = new G.Graph('names');
    const x = g.input('x', [1]);
    expect(() => g.param('x', [1])).toThrow(/already used/);
    g.output('y', G.exp(x));
    expect(() => g.output('y', x)).toThrow(/already used/);
    expect(() => g.output('x', x)).toThrow(/already used/);
  });
});
