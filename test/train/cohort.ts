/**
 * Small synthetic cohorts for the training tests, written once per parameter set under the OS temp
 * folder and reused by every test file (synthesis and preprocessing dominate a CPU test's time).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synth, SynthOptions } from '../../kernel/data/synth/cohort';

export async function cohort(name: string, options: SynthOptions): Promise<string> {
  const root = path.join(os.tmpdir(), `ns-train-${name}-${JSON.stringify(options).replace(/[^a-z0-9]+/gi, '')}`);
  if (!fs.existsSync(path.join(root, 'participants.tsv'))) {
    fs.rmSync(root, { recursive: true, force: true });
    await synth({ ...options, out: root });
  }
  return root;
}

/** Every file below `dir` (relative paths), for "no partial files" checks. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
