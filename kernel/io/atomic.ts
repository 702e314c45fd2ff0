/**
 * Atomic writes (design.md: "Every artefact written is written to a temp file and renamed").
 * A reader sees either the old file or the complete new one, never a torn write; a crash mid-write
 * leaves only a `.tmp-*` file beside the target, which the next write does not reuse.
 *
 * Folders that must change as a whole (a saved model, a synthetic cohort) are built in a sibling
 * temp folder and swapped in with two renames (`replaceDirAtomic`).
 *
 * Leftovers: temp names carry this host's tag and the writer's pid
 * (`.<name>.tmp-<host>-<pid>-<random>`). Writes into a folder (at most every 10 s per folder and
 * process; every folder replacement) remove the leftovers of this host's processes that are no
 * longer alive (a kill -9 mid-write), and put back a folder a dead process had moved aside
 * (`.<name>.old-*`) but never replaced.
 *
 * A full disk (ENOSPC, EDQUOT) is a DiskFullError naming the file being written.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import { DiskFullError } from '../errors';

/** This host's tag in temp names: pids are only meaningful on the host that issued them. */
const HOST = crypto.createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6);
const LEFTOVER = /^\.(.+)\.(tmp|old)-([0-9a-f]{6})-(\d+)-[0-9a-f]{8}$/;

function siblingName(target: string, kind: 'tmp' | 'old'): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${kind}-${HOST}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
}

function tempPathFor(target: string): string {
  cleanOnce(path.dirname(target));
  return siblingName(target, 'tmp');
}

/** True while process `pid` exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `.tmp-*` leftovers in `dir` written by dead processes of this host, and renames back a
 * folder that a dead process moved aside to `.old-*` when its target is missing. Returns what it
 * removed or restored. Entries of live processes and of other hosts are left alone.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const name of names) {
    const m = LEFTOVER.exec(name);
    if (!m || m[3] !== HOST || processAlive(Number(m[4]))) continue;
    const leftover = path.join(dir, name);
    const target = path.join(dir, m[1]);
    try {
      if (m[2] === 'old' && !fs.existsSync(target)) fs.renameSync(leftover, target);
      else fs.rmSync(leftover, { recursive: true, force: true });
      done.push(leftover);
    } catch {
      // Another process cleaned it first, or it is not ours to remove: leave it.
    }
  }
  return done;
}

/** A folder is scanned for leftovers at most this often per process (writes into one folder come in bursts). */
const CLEAN_INTERVAL_MS = 10_000;
const lastCleaned = new Map<string, number>();
function cleanOnce(dir: string, always = false): void {
  const key = path.resolve(dir);
  const now = Date.now();
  if (!always && now - (lastCleaned.get(key) ?? -Infinity) < CLEAN_INTERVAL_MS) return;
  lastCleaned.set(key, now);
  removeStaleTemps(key);
}

/** An fs error while writing `file`, as a typed error when the disk is full; others unchanged. */
export function writeError(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DiskFullError(`the disk is full: could not write ${path.basename(file)}${code === 'EDQUOT' ? ' (disk quota exceeded)' : ''}`, {
      file,
      hint: `free space on the disk holding ${path.dirname(file)}, then run again; nothing already there was replaced`,
      cause: err
    });
  }
  return err;
}

/** Writes `data` to `target` atomically: temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  let handle: fs.promises.FileHandle | null = null;
  try {
    handle = await fs.promises.open(tmp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.promises.rename(tmp, target);
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw writeError(err, target);
  }
}

/** Synchronous twin of writeFileAtomic, for the few callers that cannot await (exit handlers). */
export function writeFileAtomicSync(target: string, data: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx');
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw writeError(err, target);
  }
}

/**
 * Streams chunks into `target` atomically; for files too large to hold in memory (frame caches).
 * `produce` receives a write function; the file appears under its name only when `produce` resolves.
 * Errors thrown by `produce` itself pass through unchanged.
 */
export async function writeStreamAtomic(
  target: string,
  produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>
): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(tmp, 'wx');
  } catch (err) {
    throw writeError(err, target);
  }
  let ok = false;
  try {
    await produce(async chunk => {
      let offset = 0;
      try {
        while (offset < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
          offset += bytesWritten;
        }
      } catch (err) {
        throw writeError(err, target);
      }
    });
    try {
      await handle.sync();
    } catch (err) {
      throw writeError(err, target);
    }
    ok = true;
  } finally {
    await handle.close().catch(() => undefined);
    if (!ok) await fs.promises.rm(tmp, { force: true });
  }
  try {
    await fs.promises.rename(tmp, target);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw writeError(err, target);
  }
}

/**
 * Replaces the folder `target` as a whole: `build` fills a fresh sibling temp folder; only when it
 * resolves is the old folder (if any) moved aside, the new one renamed into place and the old one
 * deleted. If `build` fails (disk full, bad input, interrupt) the temp folder is removed and
 * `target` is untouched. A kill between the two renames leaves `.<name>.old-*`, which the next
 * write into the parent folder renames back.
 */
export async function replaceDirAtomic<T>(target: string, build: (dir: string) => Promise<T>): Promise<T> {
  const parent = path.dirname(path.resolve(target));
  await fs.promises.mkdir(parent, { recursive: true });
  cleanOnce(parent, true);
  const tmp = siblingName(path.resolve(target), 'tmp');
  let result: T;
  try {
    await fs.promises.mkdir(tmp);
    result = await build(tmp);
  } catch (err) {
    await fs.promises.rm(tmp, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    // A full disk while building: name the file where it was going to be, not its temp path.
    if (err instanceof DiskFullError && err.file?.startsWith(tmp + path.sep)) {
      throw writeError(err.cause, path.join(path.resolve(target), path.relative(tmp, err.file)));
    }
    throw writeError(err, target);
  }
  const old = siblingName(path.resolve(target), 'old');
  let movedAside = false;
  try {
    if (fs.existsSync(target)) {
      await fs.promises.rename(target, old);
      movedAside = true;
    }
    await fs.promises.rename(tmp, target);
  } catch (err) {
    if (movedAside && !fs.existsSync(target)) await fs.promises.rename(old, target).catch(() => undefined);
    await fs.promises.rm(tmp, { recursive: true, force: true });
    throw writeError(err, target);
  }
  if (movedAside) await fs.promises.rm(old, { recursive: true, force: true });
  return result;
}
