/**
 * onnxruntime's profiler output read back as "which provider ran each node": the one record of
 * where nodes ran (its "provider" field), used by node placement (placement.ts) and by the provider
 * probes (providers.ts), which profile their probe graph in a child process.
 */

/** One executed node, as the profiler recorded it. */
export interface PlacedNode {
  name: string;
  op: string;
  /** onnxruntime's provider name, e.g. WebGpuExecutionProvider, CPUExecutionProvider. */
  provider: string;
  /** Input dtypes, in order (e.g. ["float", "int64"]). */
  inputTypes: string[];
}

export interface ProfileEvent {
  cat?: string;
  name?: string;
  args?: { op_name?: string; provider?: string; input_type_shape?: Record<string, unknown>[] };
}

/** onnxruntime's spelling of our provider names, as the profiler records them. */
export const ORT_PROVIDER_NAMES: Record<string, string> = {
  cpu: 'CPUExecutionProvider',
  webgpu: 'WebGpuExecutionProvider',
  cuda: 'CUDAExecutionProvider'
};

/** Reads the profiler's node events into placed nodes (one per executed node, first run only). */
export function placedNodes(events: readonly ProfileEvent[]): PlacedNode[] {
  const seen = new Map<string, PlacedNode>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.provider) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    if (seen.has(name)) continue;
    const inputTypes = (e.args.input_type_shape ?? []).map(t => Object.keys(t)[0] ?? '?');
    seen.set(name, { name, op: e.args.op_name ?? '?', provider: e.args.provider, inputTypes });
  }
  return [...seen.values()];
}

/** Executed nodes per onnxruntime provider name. */
export function countByProvider(nodes: readonly PlacedNode[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of nodes) counts[n.provider] = (counts[n.provider] ?? 0) + 1;
  return counts;
}
