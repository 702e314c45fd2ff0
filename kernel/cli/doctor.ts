/**
 * `neurostorm doctor`: what this machine offers the package (Node, onnxruntime-node, execution
 * providers, CPUs, memory, GPUs) and where the Jupyter pieces are installed. `%neurostorm info`
 * shows the same report.
 */
import * as fs from 'fs';
import * as os from 'os';
import { listProviders, onnxruntimeVersion, ProviderStatus } from '../runtime/providers';
import { installLocation, InstallLocation, jupyterDataPath } from './jupyter-paths';
import { packageVersion } from '../version';

export interface GpuInfo {
  /** Where it was seen: an NVIDIA driver entry or a DRM render node. */
  source: string;
  name: string;
}

export interface DoctorReport {
  neurostormLab: string;
  node: string;
  onnxruntimeNode: string;
  providers: ProviderStatus[];
  cpu: { count: number; model: string };
  memory: { totalGiB: number; freeGiB: number };
  gpus: GpuInfo[];
  jupyter: InstallLocation[];
}

/** GPUs visible to this process: NVIDIA driver entries, else DRM render nodes. */
export function visibleGpus(): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  const nvidia = '/proc/driver/nvidia/gpus';
  if (fs.existsSync(nvidia)) {
    for (const bus of fs.readdirSync(nvidia)) {
      let name = bus;
      try {
        const info = fs.readFileSync(`${nvidia}/${bus}/information`, 'utf8');
        name = /Model:\s*(.+)/.exec(info)?.[1]?.trim() ?? bus;
      } catch {
        // An unreadable entry still shows a GPU is there; keep the bus id as its name.
      }
      gpus.push({ source: 'nvidia', name });
    }
  }
  if (gpus.length === 0 && fs.existsSync('/dev/dri')) {
    for (const node of fs.readdirSync('/dev/dri')) if (node.startsWith('renderD')) gpus.push({ source: 'drm', name: `/dev/dri/${node}` });
  }
  return gpus;
}

/** Collects the report; probing providers takes a few hundred milliseconds. */
export async function doctorReport(env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const gib = (n: number) => Math.round((n / 2 ** 30) * 10) / 10;
  return {
    neurostormLab: packageVersion(),
    node: process.versions.node,
    onnxruntimeNode: onnxruntimeVersion(),
    providers: await listProviders(),
    cpu: { count: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
    memory: { totalGiB: gib(os.totalmem()), freeGiB: gib(os.freemem()) },
    gpus: visibleGpus(),
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
    '',
    'execution providers (listed by onnxruntime-node, each probed with a one-node graph):',
    ...r.providers.map(
      p => `  ${p.name.padEnd(10)} ${p.usable ? 'usable' : 'not usable'}${p.bundled ? ', bundled' : ''}${p.reason ? ` (${p.reason})` : ''}`
    ),
    ...(hint ? [`  cuda: ${hint}`] : []),
    '',
    'jupyter data directories (search order): kernelspec / labextension installed?',
    ...r.jupyter.map(j => `  ${j.dataDir}  kernel: ${yes(j.kernelspecInstalled)}  labextension: ${yes(j.labextensionInstalled)}`)
  ];
  return lines.join('\n');
}
