/**
 * `neurostorm doctor`'s CUDA advice: printed exactly when onnxruntime-node lists CUDA and it does not
 * run, naming a command onnxruntime-node's install script accepts and the README documents.
 */
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { CUDA_INSTALL_COMMAND, cudaHint, doctorReport, formatDoctorReport } from '../../kernel/verbs/doctor-report';

describe('doctor CUDA hint', () => {
  it('names a flag value onnxruntime-node installs on linux/x64 and the README shows', () => {
    const [, value] = /^ONNXRUNTIME_NODE_INSTALL=(\S+) npm rebuild onnxruntime-node$/.exec(CUDA_INSTALL_COMMAND) ?? [];
    // The install script's own table of what it can download per platform.
    const metadata = createRequire(__filename)('onnxruntime-node/script/install-metadata.js') as {
      requirements: Record<string, string[]>;
      manifests: Record<string, unknown>;
    };
    expect(metadata.requirements['linux/x64']).toContain(value);
    expect(metadata.manifests[`linux/x64:${value}`]).toBeDefined();
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(CUDA_INSTALL_COMMAND);
  });

  it('is printed when CUDA is listed but not usable, and not otherwise', () => {
    const cpu = { name: 'cpu', bundled: true, usable: true, reason: null, probe: null };
    const cudaMissing = { name: 'cuda', bundled: false, usable: false, reason: 'CUDA provider library not installed', probe: null };
    expect(cudaHint([cpu, cudaMissing])).toContain(CUDA_INSTALL_COMMAND);
    expect(cudaHint([cpu, { ...cudaMissing, usable: true, reason: null }])).toBeNull();
    expect(cudaHint([cpu])).toBeNull();
  });

  it('shows in the report of this machine exactly when its CUDA is not usable', async () => {
    const report = await doctorReport(process.env);
    const cuda = report.providers.find(p => p.name === 'cuda');
    const text = formatDoctorReport(report);
    expect(text.includes(CUDA_INSTALL_COMMAND)).toBe(cuda !== undefined && !cuda.usable);
  });
});
