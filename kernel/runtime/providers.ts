/**
 * Execution providers: which onnxruntime-node lists, and which actually run a model graph here.
 * A provider counts as usable only after the probe block (probe-model.ts: LayerNorm, attention,
 * GELU MLP) ran on it and matched a JavaScript reference, because onnxruntime may list a bundled
 * provider (webgpu) on a machine with no adapter for it, and a one-node graph proves little about
 * the kernels a model needs. GPU probes also record where the block's nodes ran (profiler) and, for
 * WebGPU on Linux, which Vulkan adapter Dawn opened (gpus.ts).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { ADAPTER_LOG_ENV, AdapterInfo, adapterFromLoaderLog, isLoaderLogLine, SOFTWARE_ADAPTER, softwareAdapterReason } from './gpus';
import { PROBE_INPUT, probeError, probeModelBytes } from './probe-model';
import { countByProvider, ORT_PROVIDER_NAMES, placedNodes, ProfileEvent } from './profile';

/** The execution providers this package knows, in preference order for automatic choice. */
export const PROVIDER_PREFERENCE = ['cuda', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_PREFERENCE)[number];

/** What running the probe block on one provider showed. */
export interface ProbeResult {
  provider: string;
  /** Why the provider is not usable (onnxruntime's error, a wrong answer, all nodes on the CPU), or null. */
  reason: string | null;
  /** Largest |output - reference| of the block, when it ran; the bound is 1e-4 x max|reference|. */
  maxError: number | null;
  /** Executed block nodes per onnxruntime provider (GPU probes, from the profiler), else null. */
  placement: Record<string, number> | null;
  /** The WebGPU adapter Dawn opened (Linux: from the Vulkan loader's log), else null. */
  adapter: AdapterInfo | null;
  /** Wall time of the probe in ms (a cold WebGPU probe includes shader compilation). */
  ms: number;
}

export interface ProviderStatus {
  /** Provider name as onnxruntime-node spells it. */
  name: string;
  /** Whether the provider's library ships inside the onnxruntime-node package. */
  bundled: boolean;
  /** Whether the probe block ran on it and returned the right values. */
  usable: boolean;
  /** Why it is not usable (the error onnxruntime gave), why auto passes it over, or null. */
  reason: string | null;
  /** The probe's details, or null when the provider was not probed (library not installed). */
  probe: ProbeResult | null;
}

/** onnxruntime prefixes messages with source locations; keep the human part. */
function humanReason(message: string): string {
  const first = stripAnsi(message).split('\n')[0];
  const human = /(Failed to [^]*|No supported [^]*)$/.exec(first);
  return (human ? human[1] : first).trim();
}

/** Native loggers colour their lines; reasons are plain text. */
function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Checks the block's output; null when right, else what was wrong. */
function judge(y: ArrayLike<number>): { reason: string | null; maxError: number } {
  const { maxError, tolerance } = probeError(y);
  return { maxError, reason: maxError <= tolerance ? null : `the probe block's output is off by ${maxError.toExponential(2)} (bound ${tolerance.toExponential(2)})` };
}

/** Runs the probe block on cpu in this process. */
async function probeHere(name: string): Promise<ProbeResult> {
  const t0 = Date.now();
  const result = (r: Partial<ProbeResult>): ProbeResult => ({ provider: name, reason: null, maxError: null, placement: null, adapter: null, ms: Date.now() - t0, ...r });
  try {
    const session = await ort.InferenceSession.create(probeModelBytes(), { executionProviders: [name], logSeverityLevel: 3 });
    try {
      const out = await session.run({ x: new ort.Tensor('float32', PROBE_INPUT.data, PROBE_INPUT.shape) });
      return result(judge(out.y.data as Float32Array));
    } finally {
      await session.release();
    }
  } catch (err) {
    return result({ reason: humanReason(err instanceof Error ? err.message : String(err)) });
  }
}

/**
 * The probe in a child process, for GPU providers: their native libraries (Dawn, CUDA) write
 * warnings straight to the process's stderr ("Couldn't load Vulkan: libvulkan.so.1 ..."), which no
 * JavaScript can silence; in a child they are captured, and become the reason when the probe
 * fails. A crash of a broken driver ends the child, not the caller. The child profiles the run
 * (where each node ran) and, for webgpu, asks the Vulkan loader to name the device Dawn opens.
 */
function probeInChild(name: string): Promise<ProbeResult> {
  const script = `
const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});
(async () => {
  try {
    const [model, x, shape, provider, prefix] = process.argv.slice(1);
    const s = await ort.InferenceSession.create(Buffer.from(model, 'base64'), { executionProviders: [provider], logSeverityLevel: 3, enableProfiling: true, profileFilePrefix: prefix });
    const bytes = Buffer.from(x, 'base64');
    const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    const out = await s.run({ x: new ort.Tensor('float32', data, JSON.parse(shape)) });
    s.endProfiling();
    process.stdout.write(JSON.stringify({ y: Array.from(out.y.data) }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }));
  }
})();`;
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-probe-'));
  const x = PROBE_INPUT.data;
  const args = [
    '-e',
    script,
    Buffer.from(probeModelBytes()).toString('base64'),
    Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64'),
    JSON.stringify(PROBE_INPUT.shape),
    name,
    path.join(dir, 'probe')
  ];
  // A cold WebGPU probe on lavapipe compiles a dozen shaders with LLVM: seconds, tens on a loaded machine.
  const env = { ...process.env, ...(name === 'webgpu' ? ADAPTER_LOG_ENV : {}) };
  return new Promise(resolve => {
    execFile(process.execPath, args, { timeout: 180_000, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const adapter = name === 'webgpu' ? adapterFromLoaderLog(stderr) ?? softwareWarning(stderr) : null;
      const warning = stripAnsi(stderr)
        .split('\n')
        .filter(l => !isLoaderLogLine(l))
        .map(l => l.replace(/^Warning:\s*/, '').trim())
        .find(l => l && !/^at /.test(l) && !/artificially reduced/.test(l));
      const result = (r: Partial<ProbeResult>): ProbeResult => ({ provider: name, reason: null, maxError: null, placement: null, adapter, ms: Date.now() - t0, ...r });
      try {
        let parsed: { y?: number[]; error?: string };
        try {
          parsed = JSON.parse(stdout) as typeof parsed;
        } catch {
          return resolve(result({ reason: `the probe process failed${err ? ` (${err.message.split('\n')[0]})` : ''}${warning ? `: ${warning}` : ''}` }));
        }
        if (parsed.error !== undefined) return resolve(result({ reason: humanReason(parsed.error) + (warning ? ` (${warning})` : '') }));
        const placement = readPlacement(dir);
        const verdict = judge(parsed.y ?? []);
        const onDevice = placement?.[ORT_PROVIDER_NAMES[name] ?? ''] ?? 0;
        const reason = verdict.reason ?? (placement && onDevice === 0 ? `onnxruntime ran every node of the probe block on the CPU provider, none on ${name}` : null);
        resolve(result({ reason, maxError: verdict.maxError, placement }));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** Where Dawn's warnings (no loader log: not Linux) name a software adapter, an adapter record of it. */
function softwareWarning(stderr: string): AdapterInfo | null {
  const line = stderr.split('\n').find(l => SOFTWARE_ADAPTER.test(l) && !isLoaderLogLine(l));
  return line ? { name: line.replace(/^Warning:\s*/, '').trim(), driver: 'unknown', vendor: 'unknown', software: true } : null;
}

/** Block nodes per provider from the child's profile file, or null when it wrote none. */
function readPlacement(dir: string): Record<string, number> | null {
  const file = fs.readdirSync(dir).find(f => f.endsWith('.json'));
  if (!file) return null;
  return countByProvider(placedNodes(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[]));
}

/**
 * Runs the probe block on one provider: cpu here, GPU providers in a child process (their native
 * warnings stay out of the caller's stderr).
 */
export function probe(name: string): Promise<ProbeResult> {
  return name === 'cpu' ? probeHere(name) : probeInChild(name);
}

/** The probe's verdict only: null when the provider ran the block right, else the reason. */
export async function probeProvider(name: string): Promise<string | null> {
  return (await probe(name)).reason;
}

/** Why automatic choice passes a working WebGPU over: its adapter is a software one. Null otherwise. */
export function softwareWebgpuReason(result: ProbeResult | null): string | null {
  if (result?.adapter) return result.adapter.software ? `the adapter is a software one (${result.adapter.name}, ${result.adapter.driver})` : null;
  return softwareAdapterReason();
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

/** Every provider onnxruntime-node lists, each probed with the block. */
export async function listProviders(): Promise<ProviderStatus[]> {
  const listed = ort.listSupportedBackends();
  const out: ProviderStatus[] = [];
  for (const backend of listed) {
    // Probing CUDA without its library makes onnxruntime print a native error to stderr; say why instead.
    const installed = backend.bundled || (backend.name === 'cuda' && cudaProviderInstalled());
    const result = installed ? await probe(backend.name) : null;
    const reason = result
      ? result.reason
      : backend.name === 'cuda'
        ? 'CUDA provider library not installed (see README, GPU machines)'
        : 'not bundled';
    const software = backend.name === 'webgpu' && reason === null ? softwareWebgpuReason(result) : null;
    out.push({
      name: backend.name,
      bundled: backend.bundled,
      usable: reason === null,
      reason: software ? `runs, but ${software}; auto does not choose it` : reason,
      probe: result
    });
  }
  return out;
}

/** onnxruntime-node's version string. */
export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}
