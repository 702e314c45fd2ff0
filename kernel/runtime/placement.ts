/**
 * Node placement: which execution provider ran each node of a graph. onnxruntime assigns nodes to
 * providers when it compiles a session (after its graph optimisations), and a node a provider has
 * no kernel for (an op, or an op at a dtype) silently goes to the CPU. The profiler is the one
 * place that records the outcome per node (its "provider" field), so this runs the graph once with
 * profiling on and reads that file back. Used by the WebGPU tests and kernel/runtime/README.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { RuntimeProviderError } from '../errors';
import type { Graph } from '../graph/graph';
import { SerializeOptions, toModelBytes } from '../graph/serialize';
import type { ProviderName } from './providers';
import { ORT_PROVIDER_NAMES, PlacedNode, placedNodes, ProfileEvent } from './profile';
import { defaultOptimization } from './session';
import { providerForGraph } from './device';

export { placedNodes };
export type { PlacedNode };

/** Nodes of one op, dtype signature and provider (a row of the README's placement table). */
export interface PlacementGroup {
  op: string;
  inputTypes: string;
  provider: string;
  count: number;
}

export interface PlacementReport {
  graph: string;
  /** The provider the session was asked for. */
  requested: ProviderName;
  nodes: PlacedNode[];
  /** Executed nodes per onnxruntime provider name. */
  counts: Record<string, number>;
  /**
   * Nodes on the CPU provider although another was requested, grouped by op and dtypes —
   * excluding the Memcpy nodes onnxruntime inserts at device boundaries (they are counted in `copies`).
   */
  fallbacks: PlacementGroup[];
  /** MemcpyToHost/MemcpyFromHost nodes: transfers between the requested device and the CPU. */
  copies: number;
}

export const CPU_PROVIDER = ORT_PROVIDER_NAMES.cpu;

/** Counts and CPU fallbacks of placed nodes, for a session that asked for `requested`. */
export function summarizePlacement(graph: string, requested: ProviderName, nodes: PlacedNode[]): PlacementReport {
  const counts: Record<string, number> = {};
  const groups = new Map<string, PlacementGroup>();
  let copies = 0;
  for (const n of nodes) {
    counts[n.provider] = (counts[n.provider] ?? 0) + 1;
    if (/^Memcpy(To|From)Host$/.test(n.op)) {
      copies++;
      continue;
    }
    if (requested === 'cpu' || n.provider !== CPU_PROVIDER) continue;
    const inputTypes = n.inputTypes.join(',');
    const key = `${n.op}|${inputTypes}`;
    const g = groups.get(key) ?? { op: n.op, inputTypes, provider: n.provider, count: 0 };
    g.count++;
    groups.set(key, g);
  }
  const fallbacks = [...groups.values()].sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
  return { graph, requested, nodes, counts, fallbacks, copies };
}

/** Zero-filled feeds for every input the session declares (placement does not depend on values). */
function zeroFeeds(session: ort.InferenceSession): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new RuntimeProviderError(`input "${meta.name}" is not a tensor; placement needs tensor inputs`);
    const dims = meta.shape.map(d => (typeof d === 'number' ? d : 1));
    const size = dims.reduce((a, b) => a * b, 1);
    const type = meta.type;
    const data =
      type === 'float32' ? new Float32Array(size) : type === 'float64' ? new Float64Array(size) : type === 'int64' ? new BigInt64Array(size) : type === 'bool' ? new Uint8Array(size) : null;
    if (!data) throw new RuntimeProviderError(`input "${meta.name}" has dtype ${type}, which placement does not feed`);
    feeds[meta.name] = new ort.Tensor(type, data, dims);
  }
  return feeds;
}

/**
 * Compiles `graph` on `provider` (as createSession would: same optimisation level), runs it once on
 * zeros with profiling on, and reports where each node ran. Asking for a provider that is not usable,
 * or for webgpu on a float64 graph, is the same typed error as for a session.
 */
export async function nodePlacement(graph: Graph, options: SerializeOptions & { provider: ProviderName }): Promise<PlacementReport> {
  const provider = await providerForGraph(graph, options.provider);
  const bytes = toModelBytes(graph, options);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-placement-'));
  try {
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: [provider],
      graphOptimizationLevel: defaultOptimization(graph),
      enableProfiling: true,
      profileFilePrefix: path.join(dir, 'profile'),
      logSeverityLevel: 3
    });
    try {
      await session.run(zeroFeeds(session));
      session.endProfiling();
    } finally {
      await session.release();
    }
    const file = fs.readdirSync(dir).find(f => f.endsWith('.json'));
    if (!file) throw new RuntimeProviderError(`onnxruntime wrote no profile for graph "${graph.name}"`);
    const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[];
    return summarizePlacement(graph.name, provider, placedNodes(events));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A report as text: counts per provider, copies, then one line per fallback group. */
export function formatPlacement(r: PlacementReport): string {
  const total = r.nodes.length;
  const counts = Object.entries(r.counts)
    .map(([p, n]) => `${p.replace('ExecutionProvider', '')} ${n}`)
    .join(', ');
  const lines = [`${r.graph} on ${r.requested}: ${total} nodes (${counts}; ${r.copies} memcpy)`];
  for (const f of r.fallbacks) lines.push(`  CPU fallback: ${f.op}(${f.inputTypes}) x${f.count}`);
  return lines.join('\n');
}
