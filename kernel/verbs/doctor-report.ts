/**
 * `neurostorm doctor`: what this machine offers the package (Node, onnxruntime-node, execution
 * providers each probed with a small transformer block, the WebGPU adapter Dawn opened, CPUs,
 * memory, GPUs), which provider will run, and where the Jupyter pieces are installed.
 * `%neurostorm info` shows the same report.
 */
import * as os from 'os';
import { AdapterInfo, GpuInfo, visibleGpus } from '../runtime/gpus';
import { listProviders, onnxruntimeVersion, ProbeResult, ProviderStatus } from '../runtime/providers';
import { ORT_PROVIDER_NAMES } from '../runtime/profile';
import { chooseProvider, ProviderChoice, PROVIDER_ENV } from '../runtime/device';

export { visibleGpus };
export type { GpuInfo };
import { installLocation, InstallLocation, jupyterDataPath } from './jupyter/paths';
import { packageVersion } from '../version';

export interface DoctorReport {
  neurostormLab: string;
  node: string;
  onnxruntimeNode: string;
  providers: ProviderStatus[];
  /** The provider sessions will run on and why, or the typed error a bad NEUROSTORM_PROVIDER gives. */
  provider: ProviderChoice | { error: string };
  cpu: { count: number; model: string };
  memory: { totalGiB: number; freeGiB: number };
  gpus: GpuInfo[];
  /** The adapter the WebGPU probe ran on (null: webgpu not probed or no adapter named). */
  webgpuAdapter: AdapterInfo | null;
  jupyter: InstallLocation[];
}

/** Collects the report; probing providers takes a few hundred milliseconds. */
export async function doctorReport(env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const gib = (n: number) => Math.round((n / 2 ** 30) * 10) / 10;
  const providers = await listProviders();
  return {
    neurostormLab: packageVersion(),
    node: process.versions.node,
    onnxruntimeNode: onnxruntimeVersion(),
    providers,
    provider: await chooseProvider().catch((err: Error) => ({ error: err.message })),
    cpu: { count: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
    memory: { totalGiB: gib(os.totalmem()), freeGiB: gib(os.freemem()) },
    gpus: visibleGpus(),
    webgpuAdapter: providers.find(p => p.name === 'webgpu')?.probe?.adapter ?? null,
    jupyter: jupyterDataPath(env).map(installLocation)
  };
}

/**
 * The one command that adds onnxruntime-node's CUDA provider (linux/x64, CUDA 12): its install
 * script downloads the provider from NuGet when asked; the package's .npmrc (and the README's
 * advice for other projects) skips that download by default. The environment variable wins over
 * the .npmrc setting, and naming the package makes npm run its script.
 */
export const CUDA_INSTALL_COMMAND = 'ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node';

/** What to do when onnxruntime-node lists CUDA but it does not run here, or null. */
export function cudaHint(providers: ProviderStatus[]): string | null {
  const cuda = providers.find(p => p.name === 'cuda');
  if (!cuda || cuda.usable) return null;
  return (
    `to use an NVIDIA GPU (CUDA 12 driver), run \`${CUDA_INSTALL_COMMAND}\` in the project that ` +
    'installed neurostorm-lab (it downloads the CUDA provider from NuGet), then `neurostorm doctor` again'
  );
}

/** Which provider will run, e.g. "cpu (auto; skipped cuda: ..., webgpu: ...)", or the error. */
export function formatChoice(c: DoctorReport['provider']): string {
  if ('error' in c) return `none: ${c.error}`;
  const from = c.source === 'env' ? `from ${PROVIDER_ENV}` : c.source;
  const skipped = c.skipped.map(s => `${s.name}: ${s.reason}`);
  return `${c.provider} will run (${[from, ...skipped.map(s => `skipped ${s}`)].join('; ')})`;
}

/** The adapter in words, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (Mesa lavapipe (CPU), libvulkan_lvp.so): software, ...". */
export function formatAdapter(a: AdapterInfo | null, webgpu: ProviderStatus | undefined): string {
  if (a) {
    const kind = a.software ? 'software (CPU-emulated: WebGPU runs there correctly, slower than the cpu provider)' : 'hardware';
    return `${a.name} (${a.vendor}, ${a.driver}): ${kind}`;
  }
  if (!webgpu) return 'none (no webgpu provider in this onnxruntime-node build)';
  if (!webgpu.usable) return 'none found';
  return 'not named (the Vulkan loader log names it on Linux only)';
}

/** What the probe block showed, e.g. "block: 21/21 nodes on WebGpu, max error 4.5e-7, 0.5 s". */
export function formatProbe(p: ProbeResult): string {
  const parts: string[] = [];
  if (p.placement) {
    const total = Object.values(p.placement).reduce((a, b) => a + b, 0);
    const on = p.placement[ORT_PROVIDER_NAMES[p.provider] ?? ''] ?? 0;
    parts.push(`${on}/${total} nodes on ${p.provider}`);
  }
  if (p.maxError !== null) parts.push(`max error ${p.maxError.toExponential(1)}`);
  parts.push(`${(p.ms / 1000).toFixed(1)} s`);
  return `block: ${parts.join(', ')}`;
}

/** The report as the aligned text `neurostorm doctor` prints. */
export function formatDoctorReport(r: DoctorReport): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const hint = cudaHint(r.providers);
  const lines = [
    `neurostorm-lab     ${r.neurostormLab}`,
    `node               ${r.node}`,
    `onnxruntime-node   ${r.onnxruntimeNode}`,
    `cpu                ${r.cpu.count} x ${r.cpu.model}`,
    `memory             ${r.memory.totalGiB} GiB total, ${r.memory.freeGiB} GiB free`,
    `gpus               ${r.gpus.length ? r.gpus.map(g => `${g.name} (${g.source})`).join(', ') : 'none visible'}`,
    `webgpu adapter     ${formatAdapter(r.webgpuAdapter, r.providers.find(p => p.name === 'webgpu'))}`,
    `provider           ${formatChoice(r.provider)}`,
    '',
    'execution providers (listed by onnxruntime-node, each probed with a small transformer block:',
    'LayerNorm, attention (MatMul, Softmax), GELU MLP, checked against a reference):',
    ...r.providers.map(
      p =>
        `  ${p.name.padEnd(10)} ${p.usable ? 'usable' : 'not usable'}${p.bundled ? ', bundled' : ''}${p.reason ? ` (${p.reason})` : ''}` +
        (p.probe && p.probe.maxError !== null ? `; ${formatProbe(p.probe)}` : '')
    ),
    ...(hint ? [`  cuda: ${hint}`] : []),
    '',
    'jupyter data directories (search order): kernelspec / labextension installed?',
    ...r.jupyter.map(j => `  ${j.dataDir}  kernel: ${yes(j.kernelspecInstalled)}  labextension: ${yes(j.labextensionInstalled)}`)
  ];
  return lines.join('\n');
}
