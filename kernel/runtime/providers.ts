/**
 * Execution providers: which onnxruntime-node lists, and which actually run a graph here.
 * A provider counts as usable only after a one-node model ran on it and gave the right answer,
 * because onnxruntime may list a bundled provider (webgpu) on a machine with no adapter for it.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { modelProtoType, ONNX_DTYPE } from '../graph/onnx-proto';
import { SOFTWARE_ADAPTER, softwareAdapterReason } from './gpus';

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

/** onnxruntime prefixes messages with source locations; keep the human part. */
function humanReason(message: string): string {
  const first = message.split('\n')[0];
  const human = /(Failed to [^]*|No supported [^]*)$/.exec(first);
  return (human ? human[1] : first).trim();
}

/** Runs the probe model on cpu in this process; resolves to null when it worked, else the reason. */
async function probeHere(name: string): Promise<string | null> {
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
    return humanReason(err instanceof Error ? err.message : String(err));
  }
}

/**
 * The same probe in a child process, for GPU providers: their native libraries (Dawn, CUDA) write
 * warnings straight to the process's stderr ("Couldn't load Vulkan: libvulkan.so.1 ..."), which no
 * JavaScript can silence; in a child they are captured, and become the reason when the probe
 * fails. A crash of a broken driver ends the child, not the caller.
 */
function probeInChild(name: string): Promise<string | null> {
  const script = `
const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});
(async () => {
  try {
    const s = await ort.InferenceSession.create(Buffer.from(process.argv[1], 'base64'), { executionProviders: [process.argv[2]], logSeverityLevel: 3 });
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
    process.stdout.write(JSON.stringify({ y: Array.from(out.y.data) }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }));
  }
})();`;
  const model = Buffer.from(probeModelBytes()).toString('base64');
  return new Promise(resolve => {
    execFile(process.execPath, ['-e', script, model, name], { timeout: 60_000 }, (err, stdout, stderr) => {
      const warning = stderr
        .split('\n')
        .map(l => l.replace(/^Warning:\s*/, '').trim())
        .find(l => l && !/^at /.test(l));
      let parsed: { y?: number[]; error?: string } = {};
      try {
        parsed = JSON.parse(stdout) as typeof parsed;
      } catch {
        return resolve(`the probe process failed${err ? ` (${err.message.split('\n')[0]})` : ''}${warning ? `: ${warning}` : ''}`);
      }
      if (parsed.error !== undefined) return resolve(humanReason(parsed.error) + (warning ? ` (${warning})` : ''));
      const y = parsed.y ?? [];
      if (![2, 4, 6, 8].every((v, i) => y[i] === v)) return resolve(`probe returned ${y.join(',')}`);
      if (warning && SOFTWARE_ADAPTER.test(stderr)) return resolve(`software adapter: ${warning}`);
      resolve(null);
    });
  });
}

/**
 * Runs a one-node model on one provider; resolves to null when it worked, else the reason. cpu runs
 * here; GPU providers run in a child process (their native warnings stay out of the caller's stderr).
 */
export function probeProvider(name: string): Promise<string | null> {
  return name === 'cpu' ? probeHere(name) : probeInChild(name);
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
    const software = backend.name === 'webgpu' && reason === null ? softwareAdapterReason() : null;
    out.push({
      name: backend.name,
      bundled: backend.bundled,
      usable: reason === null,
      reason: software ? `runs, but ${software}; auto does not choose it` : reason
    });
  }
  return out;
}

/** onnxruntime-node's version string. */
export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}
