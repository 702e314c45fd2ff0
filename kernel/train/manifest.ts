/**
 * RUN/manifest.json: what it takes to reproduce or audit a run — the data content hash (from the
 * caches' source SHA-256 and options keys), code version (package version and git commit when the
 * package is a checkout), seeds, execution provider, machine, onnxruntime version, timings and the
 * final metrics. `provider` is the provider the training step's session ran on (sessions never
 * claim webgpu for a graph that runs on the CPU: kernel/runtime/device.ts); `device` says what was
 * asked for (--device, ns.runtime.device(), NEUROSTORM_PROVIDER or auto) and, under `--device`,
 * every provider that ran a graph of the run (validation and prediction forwards included).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packageRoot, packageVersion } from '../version';
import { deviceRequest } from '../runtime/device';

function gitCommit(): string | null {
  try {
    const root = packageRoot();
    if (!fs.existsSync(path.join(root, '.git'))) return null;
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || null;
  } catch {
    return null;
  }
}

function onnxruntimeVersion(): string | null {
  try {
    const file = require.resolve('onnxruntime-node/package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

export interface ManifestInput {
  dataHash: string;
  seeds: Record<string, number>;
  /** The provider the training step ran on (Trainer.provider). */
  provider: string;
  timings: Record<string, number>;
  metrics: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

export function buildManifest(input: ManifestInput): Record<string, unknown> {
  return {
    format: 'neurostorm-run-manifest/1',
    data: { content_sha256: input.dataHash },
    code: { package: 'neurostorm-lab', version: packageVersion(), git_commit: gitCommit() },
    seeds: input.seeds,
    provider: input.provider,
    device: deviceRequest(),
    onnxruntime: onnxruntimeVersion(),
    machine: { platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? null, memory_bytes: os.totalmem(), node: process.version },
    timings: input.timings,
    metrics: input.metrics,
    ...input.extra
  };
}
