/**
 * Small synthetic cohorts for the training tests, written once per parameter set under the OS temp
 * folder and reused by every test file (synthesis and preprocessing dominate a CPU test's time).
 * Jest runs test files in parallel workers, so the first writer holds a lock folder and the others
 * wait for it (`once`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synth, SynthOptions } from '../../kernel/data/synth/cohort';

/** A lock older than this is from a killed run and is taken over. */
const STALE_MS = 60 * 60_000;

/** Runs `work` while holding `${target}.lock` (one process at a time builds `target`). */
export async function once<T>(target: string, work: () => Promise<T>): Promise<T> {
  const lock = `${target}.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > STALE_MS) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // removed by its owner meanwhile
      }
      await new Promise(r => setTimeout(r, 1000));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export async function cohort(name: string, options: SynthOptions): Promise<string> {
  const root = path.join(os.tmpdir(), `ns-train-${name}-${JSON.stringify(options).replace(/[^a-z0-9]+/gi, '')}`);
  return once(root, async () => {
    if (!fs.existsSync(path.join(root, 'participants.tsv'))) {
      fs.rmSync(root, { recursive: true, force: true });
      await synth({ ...options, out: root });
    }
    return root;
  });
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
