/**
 * onnxruntime-node sessions for graphs: on the provider device.ts chooses (never webgpu for a
 * float64 graph), thread count, a session cache keyed by model content, and runs with host tensors
 * in and out (validated against the graph's declared inputs); each run notes the provider it used.
 */
import * as crypto from 'crypto';
import * as os from 'os';
import * as ort from 'onnxruntime-node';
import { RuntimeProviderError, ShapeError } from '../errors';
import { checkAborted } from '../progress';
import { allocHost, DType, HostArray } from '../graph/dtype';
import type { Graph } from '../graph/graph';
import { SerializeOptions, toModelBytes } from '../graph/serialize';
import { formatShape } from '../graph/shapes';
import { checkHost, HostTensor } from './host-tensor';
import type { ProviderName } from './providers';
import { holdsFloat64, noteRan, providerForGraph } from './device';

// Provider choice lives in device.ts; re-exported here, where sessions' callers have always found it.
export { chooseProvider, resolveProvider, PROVIDER_ENV } from './device';
export type { ProviderChoice } from './device';

export interface SessionOptions {
  /** Execution provider; default: the onDevice scope, ns.runtime.device(), $NEUROSTORM_PROVIDER, else 'auto' (device.ts). */
  provider?: ProviderName | 'auto';
  /** intraOpNumThreads; default: the number of CPUs. */
  threads?: number;
  /** Reuse a cached session for identical model bytes and options (default true). */
  cache?: boolean;
  /**
   * Whether idle intra-op threads spin (onnxruntime's default) or sleep. Spinning saves a wake-up per
   * parallel op on an idle machine; with other processes on the cores it is ruinous (the bench
   * measured 2-5x slower steps at load 8 on 2 cores; the same trade as OMP_WAIT_POLICY). A notebook
   * kernel shares its machine, so the default is to sleep; `spin: true` or $NEUROSTORM_SPIN=1 spins.
   */
  spin?: boolean;
  /** onnxruntime graph optimisation level; default 'all', but 'disabled' for graphs holding float64 values. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * onnxruntime's memory pattern (default on). After the first run it allocates one block for the
   * whole planned pattern, but the CPU arena still holds the first run's chunks: peak memory doubles
   * at the second run (measured: tiny TPT step 581 -> 1009 MB, official 12.7 GB -> killed at 22.7 GB).
   * Training steps turn it off (runtime/trainer.ts): the arena then reuses its chunks, flat per step.
   */
  memPattern?: boolean;
  /**
   * onnxruntime's CPU memory arena (default on). Off, freed tensors go back to malloc and memory is
   * returned between runs, but every tensor is a fresh allocation: the official TPT step ran 2x
   * slower without it (issue 18, third pass). Training steps keep it on (with the memory pattern off
   * their peak stays flat: official TPT 2.4 GB over 20 steps), so it holds that memory between steps.
   */
  cpuArena?: boolean;
}

/**
 * float64 graphs exist for exactness (gradient checks), and onnxruntime's optimisers break that:
 * extended fusions rewrite x·sigmoid(x) into com.microsoft.QuickGelu, which has no double kernel,
 * and even the basic level changed the float64 erf lowering by 2e-10 (measured against Python's
 * math.erf; exact with optimisation disabled). So they run unoptimised by default.
 */
export function defaultOptimization(graph: Graph): 'disabled' | 'all' {
  return holdsFloat64(graph) ? 'disabled' : 'all';
}

/** A value a session takes or returns. */
export interface TensorSpec {
  name: string;
  dtype: DType;
  shape: number[];
}

/**
 * The array as one of this realm's typed arrays: onnxruntime checks `instanceof`, which an array
 * made in another V8 context (a notebook cell's vm, a worker) fails. Copies only in that case.
 */
function thisRealm(data: HostArray, dtype: DType): HostArray {
  const Local = allocHost(dtype, 0).constructor as new (source: ArrayLike<number | bigint>) => HostArray;
  return data instanceof Local ? data : new Local(data as ArrayLike<number | bigint>);
}

/** A compiled graph on one execution provider. */
export class GraphSession {
  constructor(
    private readonly session: ort.InferenceSession,
    /** The provider the session runs on: the one chosen and probed (never webgpu for a float64 graph). */
    readonly provider: ProviderName,
    readonly threads: number,
    readonly inputs: readonly TensorSpec[],
    readonly outputs: readonly TensorSpec[]
  ) {}

  /** Runs in progress: release() waits for them (freeing a native session mid-run would crash). */
  private inFlight = new Set<Promise<unknown>>();
  private released: Promise<void> | null = null;

  /** Runs once; `fetch` picks outputs (default all). Feeds are checked against the declared inputs. */
  async run(feeds: Readonly<Record<string, HostTensor>>, fetch?: readonly string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const spec of this.inputs) {
      const t = feeds[spec.name];
      if (!t) throw new ShapeError(`missing input "${spec.name}" (${spec.dtype}${formatShape(spec.shape)})`);
      checkHost(t, spec.dtype, spec.shape, `input "${spec.name}"`);
      ortFeeds[spec.name] = new ort.Tensor(spec.dtype, thisRealm(t.data, spec.dtype), spec.shape);
    }
    for (const name of Object.keys(feeds)) {
      if (!this.inputs.some(s => s.name === name)) throw new ShapeError(`the graph has no input "${name}" (inputs: ${this.inputs.map(s => s.name).join(', ')})`);
    }
    const names = fetch ? [...fetch] : this.outputs.map(o => o.name);
    let results: ort.InferenceSession.OnnxValueMapType;
    // Every forward and training step is a run: the boundary where an interrupted cell's model work
    // stops (before starting, and before handing back a result nobody should use any more).
    checkAborted(undefined, 'model run');
    if (this.released) throw new RuntimeProviderError(`this session was released (its model's weights changed); run the model again to get a new one`);
    const running = this.session.run(ortFeeds, names);
    this.inFlight.add(running);
    try {
      results = await running;
    } catch (err) {
      throw new RuntimeProviderError(`onnxruntime run failed on ${this.provider}: ${(err as Error).message}`, { cause: err });
    } finally {
      this.inFlight.delete(running);
    }
    checkAborted(undefined, 'model run');
    noteRan(this.provider);
    const out: Record<string, HostTensor> = {};
    for (const name of names) {
      const t = results[name] as ort.Tensor;
      out[name] = { data: t.data as HostArray, shape: [...t.dims] };
    }
    return out;
  }

  /**
   * Frees the native session once its runs in progress have finished; idempotent. Cached sessions
   * are released by clearSessionCache; uncached ones (`cache: false`) by whoever created them.
   */
  release(): Promise<void> {
    this.released ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await this.session.release();
    })();
    return this.released;
  }
}

const cache = new Map<string, Promise<GraphSession>>();

/** Releases every cached session. */
export async function clearSessionCache(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const s of all) await (await s).release();
}

function specsOf(graph: Graph, serialize: SerializeOptions): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const baked = serialize.initializers instanceof Map ? new Set(serialize.initializers.keys()) : new Set(Object.keys(serialize.initializers ?? {}));
  const spec = (name: string, t: { dtype: DType; shape: readonly number[] }) => ({ name, dtype: t.dtype, shape: [...t.shape] });
  const inputs = [...graph.inputs.map(t => spec(t.name, t)), ...graph.params.filter(p => !baked.has(p.tensor.name)).map(p => spec(p.tensor.name, p.tensor))];
  const names = serialize.outputs ?? [...graph.outputs.keys()];
  const outputs = names.map(n => spec(n, graph.outputs.get(n) as { dtype: DType; shape: readonly number[] }));
  return { inputs, outputs };
}

/**
 * Serialised bytes, memoised per graph while it is unchanged: graphs only grow (nodes, outputs,
 * inputs and params are appended), so their sizes identify a version. Baked initializers are
 * never memoised (their values may change between calls).
 */
const serialized = new WeakMap<Graph, { version: string; bytes: Uint8Array }>();

function modelBytes(graph: Graph, options: SerializeOptions): Uint8Array {
  if (options.initializers) return toModelBytes(graph, options);
  const version = `${graph.nodes.length}:${graph.outputs.size}:${graph.inputs.length}:${graph.params.length}:${(options.outputs ?? []).join('\u0000')}`;
  const memo = serialized.get(graph);
  if (memo && memo.version === version) return memo.bytes;
  const bytes = toModelBytes(graph, options);
  serialized.set(graph, { version, bytes });
  return bytes;
}

/** Compiles a graph (serialised with `serialize`) into a session; cached by model bytes and options. */
export async function createSession(graph: Graph, options: SessionOptions & SerializeOptions = {}): Promise<GraphSession> {
  const bytes = modelBytes(graph, options);
  const { inputs, outputs } = specsOf(graph, options);
  const provider = await providerForGraph(graph, options.provider);
  const threads = options.threads ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const optimization = options.optimization ?? defaultOptimization(graph);
  const spin = options.spin ?? process.env.NEUROSTORM_SPIN === '1';
  const memPattern = options.memPattern ?? true;
  const cpuArena = options.cpuArena ?? true;
  const key = `${crypto.createHash('sha256').update(bytes).digest('hex')}:${provider}:${threads}:${optimization}:${spin}:${memPattern}:${cpuArena}`;
  const make = async () => {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: optimization,
        enableMemPattern: memPattern,
        enableCpuMemArena: cpuArena,
        logSeverityLevel: 3,
        extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } }
      });
      return new GraphSession(session, provider, threads, inputs, outputs);
    } catch (err) {
      throw new RuntimeProviderError(`onnxruntime could not load graph "${graph.name}" on ${provider}: ${(err as Error).message}`, { cause: err });
    }
  };
  if (options.cache === false) return make();
  let s = cache.get(key);
  if (!s) {
    s = make();
    cache.set(key, s);
    s.catch(() => cache.delete(key));
  }
  return s;
}

/** One-shot convenience: compile (cached) and run. */
export async function runGraph(
  graph: Graph,
  feeds: Readonly<Record<string, HostTensor>>,
  options: SessionOptions & SerializeOptions = {}
): Promise<Record<string, HostTensor>> {
  return (await createSession(graph, options)).run(feeds);
}


