import * as G from '../../kernel/graph';
import { GRAD_CASES } from './gradcheck-cases';
import { gradCheck } from './gradcheck-harness';

const TOLERANCE = 1e-6;

describe('gradient rules against central finite differences (float64)', () => {
  test('every registry op with a gradient rule has at least one case', () => {
    const withRules = G.REGISTRY.filter(d => typeof d.grad === 'function').map(d => d.name);
    const covered = new Set(GRAD_CASES.map(c => c.op));
    expect(withRules.filter(name => !covered.has(name))).toEqual([]);
  });

  test.each(GRAD_CASES.map(c => [c.name, c] as const))('%s', async (_name, c) => {
    const result = await gradCheck(c);
    expect(result.opsInGraph.has(c.op)).toBe(true);
    expect(result.maxError).toBeLessThanOrEqual(TOLERANCE);
    // Guard against vacuous passes: some gradient must be non-zero (except for StopGradient).
    const anyNonZero = result.numeric.some(n => n.some(v => Math.abs(v) > 1e-3));
    expect(anyNonZero).toBe(true);
  });
});
