/**
 * The device a session runs on, through the public API (ns.runtime): the order of per-call option,
 * onDevice scope, process default (ns.runtime.device) and NEUROSTORM_PROVIDER; records of what
 * actually ran; typed errors for names we do not know; the float64 rule (webgpu by name is refused,
 * auto runs such a graph on cpu and says so); and, where WebGPU runs (CI: lavapipe), a model forward
 * through a webgpu scope that records webgpu and matches the CPU.
 */
import * as ns from '../../kernel';
import * as G from '../../kernel/graph';
import { RuntimeProviderError } from '../../kernel/errors';
import { graphProvider } from '../../kernel/runtime/device';
import { cudaProviderInstalled } from '../../kernel/runtime/providers';
import { fixtureDir } from '../models/fixture-data';
import { describeWebgpu } from './webgpu-gate';

const { device, onDevice, createSession, PROVIDER_ENV } = ns.runtime;

/** y = 2x on float32 [3] (or float64). */
function doubler(dtype: 'float32' | 'float64' = 'float32'): G.Graph {
  const g = new G.Graph(`doubler_${dtype}`);
  const x = g.input('x', [3], dtype);
  g.output('y', G.mul(x, 2));
  return g;
}

const feed = (dtype: 'float32' | 'float64' = 'float32') => ({ x: { data: dtype === 'float32' ? Float32Array.from([1, 2, 3]) : Float64Array.from([1, 2, 3]), shape: [3] } });

describe('ns.runtime.device and onDevice', () => {
  const savedEnv = process.env[PROVIDER_ENV];
  afterEach(async () => {
    await device(null);
    if (savedEnv === undefined) delete process.env[PROVIDER_ENV];
    else process.env[PROVIDER_ENV] = savedEnv;
  });

  it('reports the request in effect: env, then the process default over it, then null drops the default', async () => {
    process.env[PROVIDER_ENV] = 'cpu';
    expect(await device()).toEqual({ requested: 'cpu', provider: 'cpu', source: 'env', skipped: [] });
    expect(await device('auto')).toMatchObject({ requested: 'auto', source: 'default' });
    expect(await device('cpu')).toEqual({ requested: 'cpu', provider: 'cpu', source: 'default', skipped: [] });
    expect(await device(null)).toMatchObject({ requested: 'cpu', source: 'env' });
    delete process.env[PROVIDER_ENV];
    expect((await device()).source).toBe('auto');
  });

  it('refuses a name it does not know, naming who gave it, and keeps the old default', async () => {
    await device('cpu');
    await expect(device('tpu' as never)).rejects.toThrow(RuntimeProviderError);
    await expect(device('tpu' as never)).rejects.toThrow(/unknown execution provider "tpu" \(from ns\.runtime\.device\(\)\)/);
    expect(await device()).toMatchObject({ requested: 'cpu', source: 'default' });
    await expect(onDevice('gpu' as never, async () => 1, '--device')).rejects.toThrow(/unknown execution provider "gpu" \(from --device\)/);
  });

  it('records the provider every run used; per-call options beat scopes, scopes beat the default', async () => {
    await device('cpu');
    const { value, device: rec } = await onDevice('cpu', async () => {
      const s = await createSession(doubler(), { cache: false });
      const out = await s.run(feed());
      await s.release();
      return Array.from(out.y.data as Float32Array);
    });
    expect(value).toEqual([2, 4, 6]);
    expect(rec).toEqual({ requested: 'cpu', source: 'scope', provider: 'cpu', ran: ['cpu'] });
    // Nothing run: nothing recorded. Inherited request (no name): the default's.
    expect((await onDevice(undefined, async () => 0)).device).toEqual({ requested: 'cpu', source: 'default', provider: 'cpu', ran: [] });
    // A run in a nested scope counts for the outer one too.
    const outer = await onDevice(undefined, () => onDevice('cpu', async () => (await createSession(doubler(), { cache: false })).run(feed())));
    expect(outer.device.ran).toEqual(['cpu']);
    expect(outer.value.device.ran).toEqual(['cpu']);
    // A per-call option wins over the scope.
    const s = await onDevice('auto', () => createSession(doubler(), { provider: 'cpu', cache: false }));
    expect(s.value.provider).toBe('cpu');
  });

  it('cuda by name without its library is a typed error that says so, not a native dump', async () => {
    const asked = onDevice('cuda', async () => 1, '--device');
    if (!cudaProviderInstalled()) {
      await expect(asked).rejects.toThrow(/execution provider "cuda" is not usable here: onnxruntime-node's CUDA provider library is not installed .*\(asked for by --device\)/);
    } else {
      // Installed: it runs (a GPU machine), or fails with the probe's reason, typed.
      await asked.then(r => expect(r.device.provider).toBe('cuda'), e => expect(e).toBeInstanceOf(RuntimeProviderError));
    }
  });

  it('float64: webgpu by name is refused, auto runs it on cpu and reports cpu', () => {
    expect(graphProvider('webgpu', true, true, 'g')).toBe('cpu');
    expect(graphProvider('webgpu', true, false, 'g')).toBe('webgpu');
    expect(graphProvider('cuda', false, true, 'g')).toBe('cuda');
    expect(graphProvider('cpu', false, true, 'g')).toBe('cpu');
    expect(() => graphProvider('webgpu', false, true, 'grad_check', '--device')).toThrow(RuntimeProviderError);
    expect(() => graphProvider('webgpu', false, true, 'grad_check', '--device')).toThrow(
      /graph "grad_check" holds float64 values, which the webgpu provider cannot run .*\(webgpu asked for by --device\)/
    );
  });

  it('a float64 graph on cpu runs and says cpu', async () => {
    const { value, device: rec } = await onDevice('cpu', async () => (await createSession(doubler('float64'), { cache: false })).run(feed('float64')));
    expect(Array.from(value.y.data as Float64Array)).toEqual([2, 4, 6]);
    expect(rec.ran).toEqual(['cpu']);
  });
});

jest.setTimeout(600_000); // lavapipe compiles shaders on the CPU

describeWebgpu('the webgpu device (a real adapter; lavapipe in CI)', () => {
  afterEach(() => device(null));

  it('a model forward in a webgpu scope runs on webgpu, records it, and matches cpu', async () => {
    const x = ns.models.fixtureInput(1, [48, 48, 48, 8]);
    const gpu = await onDevice('webgpu', async () => (await ns.models.load(fixtureDir('tiny'))).cls(x));
    expect(gpu.device).toEqual({ requested: 'webgpu', source: 'scope', provider: 'webgpu', ran: ['webgpu'] });
    const cpu = await onDevice('cpu', async () => (await ns.models.load(fixtureDir('tiny'))).cls(x));
    expect(cpu.device.ran).toEqual(['cpu']);
    const ref = Array.from(cpu.value.data);
    const maxRef = Math.max(...ref.map(Math.abs));
    const err = Math.max(...Array.from(gpu.value.data).map((v, i) => Math.abs(v - ref[i])));
    expect(err).toBeLessThanOrEqual(1e-4 * maxRef);
  });

  it('ns.runtime.device("webgpu") becomes the default; a float64 graph under it is refused, not run on the CPU', async () => {
    expect(await device('webgpu')).toEqual({ requested: 'webgpu', provider: 'webgpu', source: 'default', skipped: [] });
    const s = await createSession(doubler(), { cache: false });
    expect(s.provider).toBe('webgpu');
    expect(Array.from((await s.run(feed())).y.data as Float32Array)).toEqual([2, 4, 6]);
    await s.release();
    await expect(createSession(doubler('float64'))).rejects.toThrow(/holds float64 values.*\(webgpu asked for by ns\.runtime\.device\(\)\)/);
  });
});
