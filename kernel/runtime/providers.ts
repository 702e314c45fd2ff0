/**
 * Execution providers: which onnxruntime-node lists, and which actually run a graph here.
 * A provider counts as usable only after a one-node model ran on it and gave the right answer,
 * because onnxruntime may list a bundled provider (webgpu) on a machine with no adapter for it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { modelProtoType, ONNX_DTYPE } from '../graph/onnx-proto';

/** The execution providers this package knows, in preference order for automatic choice. */
export const PROVIDER_PREFERENCE = ['cuda', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_PREFERENCE)[number];

export interface ProviderStatus {
  /** Provider name as onnxruntime-node spells it. */
  name: string;
  /** Whether the provider's library ships inside the onnxruntime-node package. */
  bundled: boolean;
  /** Whether a probe graph ran on it and returned the right values. */
  usable: boolean;
  /** Why it is not usable (the error onnxruntime gave), or null. */
  reason: string | null;
}

/** A one-node model computing y = x + x on a float32 [4] input: small, any provider can run it. */
function probeModelBytes(): Uint8Array {
  const type = modelProtoType();
  const tensorType = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: ONNX_DTYPE.float32, shape: { dim: [{ dim_value: 4 }] } } }
  });
  const model = {
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    producer_name: 'neurostorm-lab',
    graph: {
      name: 'probe',
      node: [{ op_type: 'Add', input: ['x', 'x'], output: ['y'], name: 'add' }],
      input: [tensorType('x')],
      output: [tensorType('y')]
    }
  };
  return type.encode(type.fromObject(model)).finish();
}

/** Runs the probe model on one provider; resolves to null when it worked, else the reason. */
export async function probeProvider(name: string): Promise<string | null> {
  try {
    const session = await ort.InferenceSession.create(probeModelBytes(), {
      executionProviders: [name],
      logSeverityLevel: 3
    });
    try {
      const x = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]);
      const out = await session.run({ x });
      const y = out.y.data as Float32Array;
      const expected = [2, 4, 6, 8];
      return expected.every((v, i) => y[i] === v) ? null : `probe returned ${Array.from(y).join(',')}`;
    } finally {
      await session.release();
    }
  } catch (err) {
    // onnxruntime prefixes messages with source locations; keep the human part.
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    const human = /(Failed to [^]*|No supported [^]*)$/.exec(first);
    return (human ? human[1] : first).trim();
  }
}

/**
 * Whether onnxruntime-node's CUDA provider library is installed beside its binding (its postinstall
 * downloads it; CPU-only installs skip it). Probing cuda without it makes onnxruntime print a
 * "Failed to load library" error line to stderr, which automatic provider choice should not do.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const binDir = path.join(root, 'bin');
    const stack = [binDir];
    while (stack.length) {
      const dir = stack.pop() as string;
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) stack.push(path.join(dir, entry.name));
        else if (/^(lib)?onnxruntime_providers_cuda\.(so|dll)/.test(entry.name)) return true;
      }
    }
  } catch {
    return false;
  }
  return false;
}

/** Every provider onnxruntime-node lists, each probed. */
export async function listProviders(): Promise<ProviderStatus[]> {
  const listed = ort.listSupportedBackends();
  const out: ProviderStatus[] = [];
  for (const backend of listed) {
    // Probing CUDA without its library makes onnxruntime print a native error to stderr; say why instead.
    const installed = backend.bundled || (backend.name === 'cuda' && cudaProviderInstalled());
    const reason = installed
      ? await probeProvider(backend.name)
      : backend.name === 'cuda'
        ? 'CUDA provider library not installed (see README, GPU machines)'
        : 'not bundled';
    out.push({ name: backend.name, bundled: backend.bundled, usable: reason === null, reason });
  }
  return out;
}

/** onnxruntime-node's version string. */
export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}
