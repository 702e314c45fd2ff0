/**
 * Builds a browser bundle with webpack for the browser tests, cached by content hash: the bundle of
 * a given set of inputs is built once into node_modules/.cache/neurostorm-browser/<name>-<hash>/
 * and reused until a source, style or dependency changes. Built in a temporary folder and renamed
 * into place, so an interrupted build is never reused.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import webpack, { type Configuration } from 'webpack';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
const CACHE_ROOT = path.join(REPO_ROOT, 'node_modules/.cache/neurostorm-browser');

/** Files under `paths` (files or folders), sorted, for hashing. */
function listFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) if (name !== 'node_modules' && !name.startsWith('.')) walk(path.join(p, name));
    } else out.push(p);
  };
  for (const p of paths) if (fs.existsSync(p)) walk(p);
  return out;
}

/** sha256 over the relative paths and contents of the inputs. */
export function hashInputs(paths: string[]): string {
  const hash = crypto.createHash('sha256');
  for (const file of listFiles(paths)) {
    hash.update(path.relative(REPO_ROOT, file));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Inputs every test bundle depends on: the installed packages (lockfile) and this build code. */
export const COMMON_INPUTS = ['package-lock.json', 'test/browser/support'].map(p => path.join(REPO_ROOT, p));

/** Inputs of a bundle that compiles our extension from source. */
export const EXTENSION_INPUTS = ['src', 'style', 'kernel/notebook/display/payload-types.ts', 'kernel/notebook/display/payload-schema.ts', 'kernel/notebook/display/payload-rules.ts'].map(p => path.join(REPO_ROOT, p));

/** Webpack rules shared by the test bundles: TypeScript, CSS, and JupyterLab's svg/font assets. */
export function commonRules(): NonNullable<Configuration['module']>['rules'] {
  return [
    { test: /\.tsx?$/, exclude: /node_modules/, use: path.join(__dirname, 'ts-transpile-loader.js') },
    { test: /\.css$/, use: ['style-loader', 'css-loader'] },
    { test: /\.svg$/, issuer: /\.css$/, type: 'asset/inline' },
    { test: /\.svg$/, issuer: /\.[jt]sx?$/, type: 'asset/source' },
    { test: /\.(woff2?|ttf|eot|png|gif)$/, type: 'asset/resource' },
    { test: /\.m?js$/, resolve: { fullySpecified: false } },
    { test: /\.(txt|md)$/, type: 'asset/source' }
  ];
}

export interface BundleSpec {
  /** Cache folder prefix, e.g. "renderers". */
  name: string;
  /** Files and folders whose content makes the bundle (with COMMON_INPUTS). */
  inputs: string[];
  /** Webpack config for output folder `outDir`. */
  config(outDir: string): Configuration;
  /** Runs after webpack into the same folder (copy static files, settings schemas). */
  after?(outDir: string): void;
}

/** Returns the folder of the built bundle, building it when its inputs changed. */
export async function buildBundle(spec: BundleSpec): Promise<{ dir: string; cached: boolean }> {
  const hash = hashInputs([...COMMON_INPUTS, ...spec.inputs]);
  const dir = path.join(CACHE_ROOT, `${spec.name}-${hash}`);
  if (fs.existsSync(path.join(dir, '.complete'))) return { dir, cached: true };
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(CACHE_ROOT, `${spec.name}-tmp-`));
  const stats = await new Promise<webpack.Stats>((resolve, reject) => {
    webpack(spec.config(tmp), (err, result) => (err || !result ? reject(err ?? new Error('webpack gave no stats')) : resolve(result)));
  });
  if (stats.hasErrors()) {
    const errors = stats.toJson({ all: false, errors: true }).errors ?? [];
    throw new Error(`webpack build of ${spec.name} failed:\n${errors.slice(0, 5).map(e => e.message).join('\n')}`);
  }
  spec.after?.(tmp);
  fs.writeFileSync(path.join(tmp, '.complete'), hash);
  // Older builds of this bundle are stale now; keep the cache to one per name.
  for (const old of fs.readdirSync(CACHE_ROOT)) {
    if (old.startsWith(`${spec.name}-`) && old !== path.basename(tmp)) fs.rmSync(path.join(CACHE_ROOT, old), { recursive: true, force: true });
  }
  fs.renameSync(tmp, dir);
  return { dir, cached: false };
}
