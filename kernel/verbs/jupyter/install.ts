/**
 * `neurostorm install` / `uninstall`: our kernelspec and the prebuilt labextension in a Jupyter data
 * directory, written directly (no Python, no `jupyter kernelspec install`): Jupyter only reads
 * `<data>/kernels/<name>/kernel.json` and `<data>/labextensions/<name>/`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../errors';
import { writeFileAtomic } from '../../io/atomic';
import { installLocation, InstallLocation, prefixDataDir, userDataDir } from './paths';
import { packageRoot } from '../../version';

export const KERNEL_DISPLAY_NAME = 'NeuroSTORM (TypeScript)';

/**
 * The kernel process entry in the compiled tree. A path, not an import: the kernelspec names the
 * file Jupyter starts, and installing must not load the kernel (tslab, TypeScript) into this process.
 */
export function kernelEntry(): string {
  return path.join(__dirname, '..', '..', 'notebook', 'kernel', 'kernel-main.js');
}

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  /** SIGINT: also stops synchronous code (vm breakOnSigint); interrupt_request works too. */
  interrupt_mode: 'signal' | 'message';
  metadata: Record<string, unknown>;
  /** Added to the kernel's environment by Jupyter. */
  env: Record<string, string>;
}

/**
 * glibc's malloc raises its mmap threshold after each large free (up to 32 MB), after which freed
 * tensors of training sessions (onnxruntime's CPU arena is off there, runtime/trainer.ts) stay in the
 * heap fragmented: the official TPT step's RSS between steps grew 1.6 -> 3.1 GB over 3 steps and
 * its peak 4.2 -> 4.6 GB. A fixed threshold sends every allocation of 256 KB or more to mmap and
 * back to the system on free: 3.9 GB flat peak, 0.4 GB between steps (kernel/graph/README.md).
 */
export const KERNEL_ENV: Record<string, string> = { MALLOC_MMAP_THRESHOLD_: '262144' };

export function kernelSpec(node = process.execPath, entry = kernelEntry()): KernelSpec {
  return {
    argv: [node, entry, '--config-path', '{connection_file}'],
    display_name: KERNEL_DISPLAY_NAME,
    language: 'typescript',
    interrupt_mode: 'signal',
    metadata: { debugger: false },
    env: { ...KERNEL_ENV }
  };
}

export interface InstallTarget {
  /** `--prefix P`: P/share/jupyter. */
  prefix?: string;
  /** `--user` (the default): the user data directory. */
  user?: boolean;
}

export function targetDataDir(target: InstallTarget, env: NodeJS.ProcessEnv = process.env): string {
  if (target.prefix !== undefined && target.user) {
    throw new ConfigError('--user and --prefix exclude each other', { hint: 'give one of them' });
  }
  return target.prefix !== undefined ? prefixDataDir(target.prefix) : userDataDir(env);
}

/** Copies a folder tree into `dest` through a temp sibling and a rename, replacing what was there. */
async function replaceTree(src: string, dest: string): Promise<void> {
  const tmp = `${dest}.tmp-${process.pid}`;
  await fs.promises.rm(tmp, { recursive: true, force: true });
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  await fs.promises.cp(src, tmp, { recursive: true });
  await fs.promises.rm(dest, { recursive: true, force: true });
  await fs.promises.rename(tmp, dest);
}

/** Writes the kernelspec and copies `labextension/` into the target data directory. */
export async function installJupyter(
  target: InstallTarget,
  env: NodeJS.ProcessEnv = process.env
): Promise<InstallLocation> {
  const where = installLocation(targetDataDir(target, env));
  const builtExtension = path.join(packageRoot(), 'labextension');
  if (!fs.existsSync(path.join(builtExtension, 'package.json'))) {
    throw new ConfigError(`the built labextension is missing at ${builtExtension}`, {
      hint: 'run `npm run build` first'
    });
  }
  if (!fs.existsSync(kernelEntry())) {
    throw new ConfigError(`the kernel entry is missing at ${kernelEntry()}`, {
      hint: 'run `npm run build` first'
    });
  }
  await writeFileAtomic(
    path.join(where.kernelspec, 'kernel.json'),
    JSON.stringify(kernelSpec(), null, 2) + '\n'
  );
  await replaceTree(builtExtension, where.labextension);
  return installLocation(where.dataDir);
}

/** Removes our kernelspec and labextension from the target data directory; says what was there. */
export async function uninstallJupyter(
  target: InstallTarget,
  env: NodeJS.ProcessEnv = process.env
): Promise<InstallLocation> {
  const where = installLocation(targetDataDir(target, env));
  await fs.promises.rm(where.kernelspec, { recursive: true, force: true });
  await fs.promises.rm(where.labextension, { recursive: true, force: true });
  return where;
}
