/**
 * The fingerprint of a saved model folder: `manifest.json` lists every file `save` wrote with its
 * size and SHA-256, so `load` can refuse a folder whose files were not written together (an old
 * prompts file beside new weights, a half-copied folder). Folders without a manifest (the official
 * fixtures, hand-made folders) are still checked for agreement between config.json and the
 * tensors (weight-set consistency in load.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError, WeightsError } from '../../errors';
import { writeFileAtomic } from '../../io/atomic';
import { fileSha256 } from '../../io/hash';

export const MANIFEST_FILE = 'manifest.json';
const FORMAT = 'neurostorm-model';

export interface ModelManifest {
  format: typeof FORMAT;
  version: 1;
  /** Every file of the model (config.json and the safetensors), with its size and hash. */
  files: Record<string, { bytes: number; sha256: string }>;
  promptLen: number;
  heads: string[];
  mae: boolean;
}

/** Files that make up a model folder (what save writes and load reads). */
export const isModelFile = (name: string): boolean => name === 'config.json' || name.endsWith('.safetensors');

/** Temp and aside names of atomic writes (io/atomic.ts), never part of a model. */
const isWriteLeftover = (name: string): boolean => /^\..+\.(tmp|old)-/.test(name);

/** Writes `folder/manifest.json` fingerprinting `names` (files already written in `folder`). */
export async function writeManifest(folder: string, names: string[], summary: Pick<ModelManifest, 'promptLen' | 'heads' | 'mae'>): Promise<string> {
  const files: ModelManifest['files'] = {};
  for (const name of [...names].sort()) {
    const file = path.join(folder, name);
    files[name] = { bytes: (await fs.promises.stat(file)).size, sha256: await fileSha256(file) };
  }
  const manifest: ModelManifest = { format: FORMAT, version: 1, files, ...summary };
  const target = path.join(folder, MANIFEST_FILE);
  await writeFileAtomic(target, JSON.stringify(manifest, null, 1) + '\n');
  return target;
}

/**
 * Refuses to replace `folder` when it holds anything a model folder does not (saving into a
 * project folder by mistake must not delete it); an absent or empty folder, or a model folder, is fine.
 */
export function assertReplaceableModelFolder(folder: string): void {
  if (!fs.existsSync(folder)) return;
  if (!fs.statSync(folder).isDirectory()) throw new UsageError('the model folder path is a file', { file: folder });
  const foreign = fs.readdirSync(folder).filter(n => !isModelFile(n) && n !== MANIFEST_FILE && !isWriteLeftover(n));
  if (foreign.length) {
    throw new UsageError(`the folder holds files that are not part of a saved model (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); save replaces the whole folder`, {
      file: folder,
      hint: 'save into a new or empty folder, or one written by ns.models.save'
    });
  }
}

/**
 * With a manifest: the folder's model files must be exactly those listed, each with its recorded
 * size and hash; one WeightsError lists every disagreement. Returns the manifest, or null when the
 * folder has none.
 */
export async function verifyModelFolder(folder: string, names: string[]): Promise<ModelManifest | null> {
  if (!names.includes(MANIFEST_FILE)) return null;
  const file = path.join(folder, MANIFEST_FILE);
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await fs.promises.readFile(file, 'utf8')) as ModelManifest;
  } catch (err) {
    throw new WeightsError(`model manifest is unreadable: ${(err as Error).message}`, { file, hint: 'save the model again' });
  }
  if (manifest?.format !== FORMAT || typeof manifest.files !== 'object' || manifest.files === null) {
    throw new WeightsError('model manifest has an unknown format', { file, hint: 'save the model again' });
  }
  const present = names.filter(isModelFile).sort();
  const listed = Object.keys(manifest.files).sort();
  const problems: string[] = [];
  for (const n of listed) if (!present.includes(n)) problems.push(`${n} is missing`);
  for (const n of present) if (!listed.includes(n)) problems.push(`${n} was not saved with this model`);
  for (const n of listed) {
    if (!present.includes(n)) continue;
    const p = path.join(folder, n);
    const { bytes, sha256 } = manifest.files[n];
    if ((await fs.promises.stat(p)).size !== bytes) problems.push(`${n} has changed size`);
    else if ((await fileSha256(p)) !== sha256) problems.push(`${n} has changed content`);
  }
  if (problems.length) {
    throw new WeightsError(`the model folder's files do not belong together: ${problems.join('; ')}`, {
      file: folder,
      hint: 'the folder was changed after ns.models.save wrote it; save the model again or restore the files'
    });
  }
  return manifest;
}
