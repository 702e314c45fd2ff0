/**
 * Names that `ns.models.load` (and `%neurostorm load`, `--from`) accept besides paths. Only one:
 * `demo`, the small CPU-configuration model this package ships in kernel/models/demo/ (pretrained
 * by our own engine on a synthetic cohort; NOT the official NeuroSTORM weights). A file or folder
 * that really exists under the same name wins, so a user's own `./demo` folder keeps loading.
 */
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../../version';

export const DEMO_MODEL = 'demo';

/** The shipped demo model folder (config.json, weights.safetensors, manifest.json, training.json, README.md). */
export function demoModelFolder(): string {
  return path.join(packageRoot(), 'kernel', 'models', 'demo');
}

/** `target`, or the shipped folder it names (`demo` when no such path exists). */
export function resolveWeightsName(target: string): string {
  return target === DEMO_MODEL && !fs.existsSync(target) ? demoModelFolder() : target;
}
