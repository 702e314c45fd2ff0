/**
 * Advisory lock files, so that two processes working on the same artefact (two preprocess runs on
 * one dataset) do the work once: the first creates `<name>.lock` (O_EXCL) holding its host and pid;
 * the second sees it held, does other work, then waits for it to go and reuses the result.
 * A lock whose holder died on this host (kill -9) is taken over; locks of other hosts are honoured
 * until they are older than `staleMs`.
 */
import * as fs from 'fs';
import * as os from 'os';
import { AbortedError } from '../errors';
import { processAlive } from './atomic';

interface Holder {
  host: string;
  pid: number;
  since: number;
}

export interface FileLock {
  readonly file: string;
  release(): Promise<void>;
}

/** Locks of other hosts older than this are considered abandoned (a crashed machine). */
const DEFAULT_STALE_MS = 6 * 3600 * 1000;

function readHolder(file: string): Holder | null {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** True when the lock at `file` is held by a live process (or a recent one of another host). */
export function lockHeld(file: string, staleMs = DEFAULT_STALE_MS): boolean {
  if (!fs.existsSync(file)) return false;
  const h = readHolder(file);
  if (!h) {
    // Being written this very moment, or garbage: trust it briefly by its age.
    try {
      return Date.now() - fs.statSync(file).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  if (h.host === os.hostname()) return processAlive(h.pid);
  return Date.now() - h.since < staleMs;
}

/** Takes the lock at `file`, or returns null while someone else holds it. */
export async function tryLock(file: string, staleMs = DEFAULT_STALE_MS): Promise<FileLock | null> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.promises.open(file, 'wx');
      const holder: Holder = { host: os.hostname(), pid: process.pid, since: Date.now() };
      await handle.writeFile(JSON.stringify(holder));
      await handle.close();
      return {
        file,
        release: async () => {
          const h = readHolder(file);
          if (h && h.pid === process.pid && h.host === holder.host) await fs.promises.rm(file, { force: true });
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockHeld(file, staleMs)) return null;
    await fs.promises.rm(file, { force: true }); // the holder is gone: take it over
  }
  return null;
}

/** Resolves once nobody holds the lock at `file` (polling); stops with AbortedError on `signal`. */
export async function waitForLock(file: string, signal?: AbortSignal, pollMs = 200, staleMs = DEFAULT_STALE_MS): Promise<void> {
  while (lockHeld(file, staleMs)) {
    if (signal?.aborted) throw new AbortedError('interrupted while waiting for another process', { file });
    await new Promise(resolve => setTimeout(resolve, pollMs));
  }
}
