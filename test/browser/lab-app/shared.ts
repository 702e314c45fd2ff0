/**
 * Modules the test frontend shares with prebuilt extensions: JupyterLab's singleton packages and
 * the core packages of @jupyterlab/core-meta (the list build-labextension marks `import: false` in
 * an extension, so the host must provide them), each at the version installed here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/bundle';

interface CoreMeta {
  dependencies: Record<string, string>;
  jupyterlab: { singletonPackages: string[] };
}

function installedVersion(name: string): string | null {
  const file = path.join(REPO_ROOT, 'node_modules', name, 'package.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version : null;
}

export function sharedModules(): Record<string, { singleton?: boolean; requiredVersion: string; version: string }> {
  const core = JSON.parse(fs.readFileSync(require.resolve('@jupyterlab/core-meta/core.package.json', { paths: [REPO_ROOT] }), 'utf8')) as CoreMeta;
  const singletons = new Set(core.jupyterlab.singletonPackages);
  const out: Record<string, { singleton?: boolean; requiredVersion: string; version: string }> = {};
  for (const name of new Set([...singletons, ...Object.keys(core.dependencies)])) {
    const version = installedVersion(name);
    if (!version) continue;
    out[name] = { requiredVersion: `^${version}`, version, ...(singletons.has(name) ? { singleton: true } : {}) };
  }
  return out;
}
