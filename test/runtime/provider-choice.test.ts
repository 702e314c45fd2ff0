/**
 * Which execution provider runs, and why: automatic choice never takes WebGPU on a software
 * adapter, a bad NEUROSTORM_PROVIDER is a typed error that `doctor` shows, and probing GPU
 * providers keeps their native warnings (Dawn's "Couldn't load Vulkan") off our stderr.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { doctorReport, formatDoctorReport } from '../../kernel/verbs/doctor-report';
import { RuntimeProviderError } from '../../kernel/errors';
import { softwareAdapterReason, visibleGpus } from '../../kernel/runtime/gpus';
import { chooseProvider, PROVIDER_ENV } from '../../kernel/runtime/session';

const CLI = path.join(__dirname, '..', '..', 'lib', 'kernel', 'cli', 'main.js');

describe('execution provider choice', () => {
  const saved = process.env[PROVIDER_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[PROVIDER_ENV];
    else process.env[PROVIDER_ENV] = saved;
  });

  it('calls a WebGPU adapter software when Vulkan is lavapipe/SwiftShader or no GPU is visible', () => {
    expect(softwareAdapterReason({ VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json' }, 'linux')).toMatch(
      /software one \(.*lvp_icd/
    );
    expect(softwareAdapterReason({ VK_ICD_FILENAMES: '/opt/swiftshader/vk_swiftshader_icd.json' }, 'linux')).toMatch(/software/);
    // Metal and D3D12 always have a hardware adapter.
    expect(softwareAdapterReason({}, 'darwin')).toBeNull();
    expect(softwareAdapterReason({}, 'win32')).toBeNull();
    // On Linux it takes a GPU device node.
    if (visibleGpus().length === 0) expect(softwareAdapterReason({}, 'linux')).toMatch(/no GPU is visible/);
    else expect(softwareAdapterReason({}, 'linux')).toBeNull();
  });

  it('chooses automatically and says what it passed over', async () => {
    delete process.env[PROVIDER_ENV];
    const choice = await chooseProvider();
    expect(choice.source).toBe('auto');
    if (visibleGpus().length === 0) {
      expect(choice.provider).toBe('cpu');
      expect(choice.skipped.find(s => s.name === 'webgpu')?.reason).toMatch(/no GPU is visible/);
    }
    process.env[PROVIDER_ENV] = 'cpu';
    expect(await chooseProvider()).toEqual({ provider: 'cpu', source: 'env', skipped: [] });
    expect(await chooseProvider('cpu')).toEqual({ provider: 'cpu', source: 'option', skipped: [] });
  });

  it('flags NEUROSTORM_PROVIDER=bogus with a typed error, which doctor reports', async () => {
    process.env[PROVIDER_ENV] = 'bogus';
    await expect(chooseProvider()).rejects.toThrow(RuntimeProviderError);
    await expect(chooseProvider()).rejects.toThrow(/unknown execution provider "bogus" \(from NEUROSTORM_PROVIDER\)/);
    const report = await doctorReport();
    expect(report.provider).toEqual({ error: expect.stringMatching(/unknown execution provider "bogus"/) });
    expect(formatDoctorReport(report)).toMatch(/\nprovider {11}none: unknown execution provider "bogus"/);
  });

  it('doctor names the provider that will run and prints no raw native warnings', () => {
    if (!fs.existsSync(CLI)) throw new Error(`compiled CLI not found at ${CLI}: run \`npm run build:kernel\``);
    const env = { ...process.env };
    delete env[PROVIDER_ENV];
    const res = spawnSync(process.execPath, [CLI, 'doctor'], { env, encoding: 'utf8', timeout: 120_000 });
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/\nprovider {11}(cpu|cuda|webgpu) will run \(auto/);
    // GPU providers are probed in a child process: Dawn's and CUDA's native lines stay out of our stderr.
    expect(res.stderr).not.toMatch(/Vulkan|dawn|Dawn|onnxruntime_providers/);
  });
});
