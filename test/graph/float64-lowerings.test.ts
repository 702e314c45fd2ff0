import { spawnSync } from 'child_process';
import * as G from '../../kernel/graph';
import { runGraph } from '../../kernel/runtime/session';

const XS = [-7, -3.5, -3, -2.9, -1, -0.3, 0, 1e-4, 0.5, 1.7, 2.99, 3, 3.01, 4.2, 6, 30];

async function run(build: (x: G.Tensor) => G.Tensor): Promise<number[]> {
  const g = new G.Graph('f64');
  const x = g.input('x', [XS.length], 'float64');
  g.output('y', build(x));
  const out = await runGraph(g, { x: { data: Float64Array.from(XS), shape: [XS.length] } }, { provider: 'cpu', threads: 1 });
  return Array.from(out.y.data as Float64Array);
}

describe('float64 lowerings', () => {
  test('erf matches Python math.erf to 1e-15', async () => {
    const py = spawnSync('/usr/bin/python3', ['-c', `import math, json; print(json.dumps([math.erf(x) for x in ${JSON.stringify(XS)}]))`], { encoding: 'utf8' });
    const want = JSON.parse(py.stdout) as number[];
    const got = await run(G.erf);
    got.forEach((v, i) => expect({ x: XS[i], error: Math.abs(v - want[i]) < 1e-15 ? 0 : v - want[i] }).toEqual({ x: XS[i], error: 0 }));
  });

  test('softplus matches log1p(exp(x)) computed stably', async () => {
    const got = await run(G.softplus);
    got.forEach((v, i) => {
      const x = XS[i];
      const want = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
      expect(Math.abs(v - want)).toBeLessThan(1e-15 * Math.max(1, Math.abs(want)));
    });
  });
});
