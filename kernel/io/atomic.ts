/**
 * Atomic writes (design.md: "Every artefact written is written to a temp file and renamed").
 * A reader sees either the old file or the complete new one, never a torn write; a crash mid-write
 * leaves only a `.tmp-*` file beside the target, which the next write does not reuse.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
}

/** Writes `data` to `target` atomically: temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const handle = await fs.promises.open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.promises.rename(tmp, target);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

/** Synchronous twin of writeFileAtomic, for the few callers that cannot await (exit handlers). */
export function writeFileAtomicSync(target: string, data: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const fd = fs.openSync(tmp, 'wx');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Streams chunks into `target` atomically; for files too large to hold in memory (frame caches).
 * `produce` receives a write function; the file appears under its name only when `produce` resolves.
 */
export async function writeStreamAtomic(
  target: string,
  produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>
): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const handle = await fs.promises.open(tmp, 'wx');
  let ok = false;
  try {
    await produce(async chunk => {
      let offset = 0;
      while (offset < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      }
    });
    await handle.sync();
    ok = true;
  } finally {
    await handle.close();
    if (!ok) await fs.promises.rm(tmp, { force: true });
  }
  try {
    await fs.promises.rename(tmp, target);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}
