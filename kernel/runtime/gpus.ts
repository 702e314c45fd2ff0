/**
 * What GPU hardware this process can see, and whether a WebGPU adapter would be a software one.
 * Dawn (onnxruntime's WebGPU) falls back to CPU-emulated Vulkan (lavapipe/llvmpipe, SwiftShader)
 * when there is no GPU; a forward there measured 43 ms against 2 ms on the CPU provider, so
 * automatic choice must not take it.
 */
import * as fs from 'fs';

export interface GpuInfo {
  /** Where it was seen: an NVIDIA driver entry or a DRM render node. */
  source: string;
  name: string;
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

/** Names of CPU-emulated Vulkan/WebGPU adapters, as drivers and Dawn print them. */
export const SOFTWARE_ADAPTER = /lavapipe|llvmpipe|swiftshader|softpipe|\blvp\b|lvp_icd/i;

/**
 * Why a WebGPU adapter here would be a software one, or null when a hardware one is plausible.
 * macOS (Metal) and Windows (D3D12) always have a hardware adapter; on Linux it takes a GPU device
 * node, and a Vulkan loader pointed only at lavapipe/SwiftShader rules it out.
 */
export function softwareAdapterReason(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | null {
  const icd = [env.VK_ICD_FILENAMES, env.VK_DRIVER_FILES].filter(Boolean).join(':');
  if (icd && SOFTWARE_ADAPTER.test(icd) && !/nvidia|radeon|intel|amd/i.test(icd)) {
    return `the Vulkan driver is a software one (${icd})`;
  }
  if (platform === 'darwin' || platform === 'win32') return null;
  return visibleGpus().length ? null : 'no GPU is visible (no /dev/dri render node or NVIDIA driver), so the adapter would be CPU-emulated (lavapipe/SwiftShader)';
}

/** The adapter a WebGPU session ran on, as the Vulkan loader names it (Linux: Dawn runs on Vulkan). */
export interface AdapterInfo {
  /** The Vulkan device name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" or "NVIDIA GeForce RTX 4090". */
  name: string;
  /** The Vulkan driver library, e.g. "libvulkan_lvp.so". */
  driver: string;
  /** Who makes the device, read from the driver (Vulkan's loader log names no vendor). */
  vendor: string;
  /** A CPU-emulated adapter (lavapipe/llvmpipe, SwiftShader): it proves the path, not the speed. */
  software: boolean;
}

/**
 * The environment that makes the Vulkan loader log the device an application opens: with
 * VK_LOADER_DEBUG=driver it prints `Using "<device>" with driver: "<library>"` at vkCreateDevice.
 * onnxruntime's own verbose log names no adapter (measured on 1.30: only "Context is created").
 */
export const ADAPTER_LOG_ENV = { VK_LOADER_DEBUG: 'driver' } as const;

/** Vendors by Vulkan driver library (Mesa's drivers, NVIDIA's, SwiftShader, Dozen). */
const DRIVER_VENDORS: [RegExp, string][] = [
  [/lvp/, 'Mesa lavapipe (CPU)'],
  [/swiftshader/i, 'Google SwiftShader (CPU)'],
  [/nvidia/i, 'NVIDIA'],
  [/radeon|amdvlk|amdgpu/i, 'AMD'],
  [/intel/i, 'Intel'],
  [/virtio/, 'virtio-gpu (the host\'s GPU)'],
  [/gfxstream/, 'gfxstream (emulator)'],
  [/dzn/, 'Microsoft Dozen (D3D12)'],
  [/freedreno/, 'Qualcomm Adreno'],
  [/panfrost|panvk/, 'Arm Mali'],
  [/asahi/, 'Apple (Asahi)']
];

/** The adapter named in a Vulkan loader log (stderr of a process run with ADAPTER_LOG_ENV), or null. */
export function adapterFromLoaderLog(log: string): AdapterInfo | null {
  const m = /Using "([^"]+)" with driver: "([^"]+)"/.exec(log);
  if (!m) return null;
  const [, name, driver] = m;
  const vendor = DRIVER_VENDORS.find(([re]) => re.test(driver))?.[1] ?? 'unknown';
  return { name, driver, vendor, software: SOFTWARE_ADAPTER.test(`${name} ${driver}`) };
}

/** Whether a stderr line is the Vulkan loader's (its debug output), not a warning worth showing. */
export function isLoaderLogLine(line: string): boolean {
  return /^(?:[A-Z]+ \| )*(?:DRIVER|LAYER|INFO|DEBUG|WARNING|ERROR|PERF)\b[^:]*:/.test(line.trim());
}
