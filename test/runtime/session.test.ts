import * as G from '../../kernel/graph';
import { DTypeError, RuntimeProviderError, ShapeError } from '../../kernel/errors';
import { createSession, resolveProvider, runGraph, PROVIDER_ENV } from '../../kernel/runtime/session';

function addGraph(dtype: 'float32' | 'float64' = 'float32'): G.Graph {
  const g = new G.Graph(`add_${dtype}`);
  const x = g.input('x', [2, 2], dtype);
  const w = g.param('w', [2], { dtype });
  g.output('y', G.add(x, w));
  return g;
}

describe('sessions', () => {
  const saved = process.env[PROVIDER_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[PROVIDER_ENV];
    else process.env[PROVIDER_ENV] = saved;
  });

  test('runs float32 and float64 graphs and reports the provider that ran', async () => {
    for (const [dtype, Arr] of [['float32', Float32Array], ['float64', Float64Array]] as const) {
      const s = await createSession(addGraph(dtype), { provider: 'cpu', threads: 1 });
      expect(s.provider).toBe('cpu');
      const out = await s.run({ x: { data: Arr.from([1, 2, 3, 4]), shape: [2, 2] }, w: { data: Arr.from([10, 20]), shape: [2] } });
      expect(Array.from(out.y.data as Float64Array)).toEqual([11, 22, 13, 24]);
      expect(out.y.data).toBeInstanceOf(Arr);
    }
  });

  test('caches sessions by model content and options', async () => {
    const a = await createSession(addGraph(), { provider: 'cpu', threads: 1 });
    const b = await createSession(addGraph(), { provider: 'cpu', threads: 1 });
    const c = await createSession(addGraph(), { provider: 'cpu', threads: 2 });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  test('baked initializers remove the parameter from the inputs', async () => {
    const out = await runGraph(addGraph(), { x: { data: Float32Array.from([1, 1, 1, 1]), shape: [2, 2] } }, {
      provider: 'cpu', initializers: { w: Float32Array.from([5, 6]) }
    });
    expect(Array.from(out.y.data as Float32Array)).toEqual([6, 7, 6, 7]);
  });

  test('the environment variable forces a provider; unknown or unusable ones are refused', async () => {
    process.env[PROVIDER_ENV] = 'cpu';
    expect(await resolveProvider()).toBe('cpu');
    process.env[PROVIDER_ENV] = 'tpu';
    await expect(resolveProvider()).rejects.toThrow(RuntimeProviderError);
    await expect(resolveProvider()).rejects.toThrow(/unknown execution provider "tpu" \(from NEUROSTORM_PROVIDER\)/);
    delete process.env[PROVIDER_ENV];
    // No GPU on CI: auto falls through cuda and webgpu to cpu; a forced cuda is refused with the reason.
    const auto = await resolveProvider('auto');
    expect(['cuda', 'webgpu', 'cpu']).toContain(auto);
    if (auto === 'cpu') await expect(resolveProvider('cuda')).rejects.toThrow(/execution provider "cuda" is not usable here/);
  });

  test('feeds are checked: missing, wrong dtype, wrong shape, unknown name', async () => {
    const s = await createSession(addGraph(), { provider: 'cpu', threads: 1 });
    const x = { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] };
    const w = { data: Float32Array.from([1, 2]), shape: [2] };
    await expect(s.run({ x })).rejects.toThrow(/missing input "w"/);
    await expect(s.run({ x, w: { data: Float64Array.from([1, 2]), shape: [2] } })).rejects.toThrow(DTypeError);
    await expect(s.run({ x: { data: x.data, shape: [4, 1] }, w })).rejects.toThrow(ShapeError);
    await expect(s.run({ x, w, z: w })).rejects.toThrow(/no input "z"/);
  });
});
