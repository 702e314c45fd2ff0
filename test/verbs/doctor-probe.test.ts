/**
 * `neurostorm doctor` probes every provider with a small transformer block (not a one-node graph),
 * checked against a float64 JavaScript reference, and names the WebGPU adapter Dawn opened (from the
 * Vulkan loader's log) as software or hardware. Where WebGPU runs (CI: lavapipe) the report must
 * show the block entirely on WebGPU and the adapter as software, and auto must not choose it.
 */
import { adapterFromLoaderLog, isLoaderLogLine } from '../../kernel/runtime/gpus';
import { PROBE_INPUT, probeError, probeReference } from '../../kernel/runtime/probe-model';
import { probe } from '../../kernel/runtime/providers';
import { doctorReport, formatDoctorReport } from '../../kernel/verbs/doctor-report';
import { describeWebgpu } from '../runtime/webgpu-gate';

describe('doctor probe block and adapter names (any machine)', () => {
  it('reads the adapter from the Vulkan loader log, software or hardware', () => {
    // The line as the loader (1.3.239, VK_LOADER_DEBUG=driver) printed it for Mesa 25 lavapipe here.
    const lavapipe = adapterFromLoaderLog('DRIVER:                  Using "llvmpipe (LLVM 15.0.6, 256 bits)" with driver: "libvulkan_lvp.so"\n');
    expect(lavapipe).toEqual({ name: 'llvmpipe (LLVM 15.0.6, 256 bits)', driver: 'libvulkan_lvp.so', vendor: 'Mesa lavapipe (CPU)', software: true });
    expect(adapterFromLoaderLog('Using "NVIDIA H100 80GB HBM3" with driver: "libGLX_nvidia.so.0"')).toMatchObject({ vendor: 'NVIDIA', software: false });
    expect(adapterFromLoaderLog('Using "AMD Radeon RX 7900 XTX (RADV NAVI31)" with driver: "libvulkan_radeon.so"')).toMatchObject({ vendor: 'AMD', software: false });
    expect(adapterFromLoaderLog('Using "SwiftShader Device (Subzero)" with driver: "libvk_swiftshader.so"')).toMatchObject({ software: true });
    expect(adapterFromLoaderLog('Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced')).toBeNull();
    expect(isLoaderLogLine('INFO | DRIVER:    linux_read_sorted_physical_devices:')).toBe(true);
    expect(isLoaderLogLine('DRIVER:           Searching for driver manifest files')).toBe(true);
    expect(isLoaderLogLine("Warning: Couldn't load Vulkan: libvulkan.so.1")).toBe(false);
  });

  it('the block runs on cpu within the bound of its reference, and a wrong output fails the bound', async () => {
    const cpu = await probe('cpu');
    expect(cpu.reason).toBeNull();
    const ref = probeReference();
    const maxRef = Math.max(...Array.from(ref, Math.abs));
    expect(maxRef).toBeGreaterThan(1);
    expect(cpu.maxError).toBeLessThan(1e-5 * maxRef);
    // The reference is not trivially satisfied: one value off by 1% of the scale fails it, as does a short output.
    const bad = Float64Array.from(ref);
    bad[17] += 0.01 * maxRef;
    const e = probeError(bad);
    expect(e.maxError).toBeGreaterThan(e.tolerance);
    expect(probeError(ref.subarray(0, 10)).maxError).toBe(Infinity);
    expect(PROBE_INPUT.shape).toEqual([2, 8, 16]);
  });

  it('the report lists the block probe of every provider it probed', async () => {
    const report = await doctorReport();
    const cpu = report.providers.find(p => p.name === 'cpu');
    expect(cpu?.probe?.maxError).toBeLessThan(1e-4);
    const text = formatDoctorReport(report);
    expect(text).toMatch(/each probed with a small transformer block/);
    expect(text).toMatch(/\n {2}cpu {8}usable, bundled; block: max error \d\.\de-\d+, \d+\.\d s/);
    expect(text).toMatch(/\nwebgpu adapter {5}\S/);
  }, 300_000);
});

describeWebgpu('doctor on a machine where WebGPU runs', () => {
  it('shows the adapter, the block entirely on WebGPU, and auto passing a software adapter over', async () => {
    const report = await doctorReport();
    const webgpu = report.providers.find(p => p.name === 'webgpu');
    const p = webgpu?.probe;
    expect(p?.placement?.WebGpuExecutionProvider).toBeGreaterThanOrEqual(10);
    expect(p?.placement?.CPUExecutionProvider ?? 0).toBe(0);
    expect(p?.maxError).toBeLessThan(1e-4);
    const adapter = report.webgpuAdapter;
    expect(adapter).not.toBeNull();
    const text = formatDoctorReport(report);
    expect(text).toContain(`webgpu adapter     ${adapter!.name} (${adapter!.vendor}, ${adapter!.driver}): ${adapter!.software ? 'software' : 'hardware'}`);
    expect(text).toMatch(/\n {2}webgpu {5}usable, bundled.*; block: (\d+)\/\1 nodes on webgpu, max error/);
    if (adapter!.software) {
      expect(webgpu?.reason).toMatch(/runs, but the adapter is a software one .*; auto does not choose it/);
      expect('provider' in report.provider && report.provider.provider).not.toBe('webgpu');
    }
    console.log(text.split('\n').filter(l => /adapter|webgpu|^provider/.test(l)).join('\n'));
  }, 600_000);
});
