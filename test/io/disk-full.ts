/**
 * Simulated disk-full for tests: every FileHandle write (write, writeFile) counts bytes against a
 * quota and fails with a real-looking ENOSPC once it is spent, as a small tmpfs does. Tests cannot
 * mount a tmpfs without root; this reaches the same code paths (the error comes out of the fs call).
 */
import * as fs from 'fs';

type Proto = Record<'write' | 'writeFile', (...args: unknown[]) => Promise<unknown>>;

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

function byteLength(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** Runs `body` with at most `quota` bytes writable through file handles; restores fs after. */
export async function withDiskQuota<T>(quota: number, body: () => Promise<T>): Promise<T> {
  const handle = await fs.promises.open(__filename, 'r');
  const proto = Object.getPrototypeOf(handle) as Proto;
  await handle.close();
  const original = { write: proto.write, writeFile: proto.writeFile };
  let left = quota;
  const spend = (n: number) => {
    if (n > left) {
      left = 0;
      throw enospc();
    }
    left -= n;
  };
  proto.write = async function (this: unknown, ...args: unknown[]) {
    const [data, offset, length] = args;
    spend(typeof length === 'number' ? length : byteLength(data) - (typeof offset === 'number' ? offset : 0));
    return original.write.apply(this, args);
  };
  proto.writeFile = async function (this: unknown, ...args: unknown[]) {
    spend(byteLength(args[0]));
    return original.writeFile.apply(this, args);
  };
  try {
    return await body();
  } finally {
    proto.write = original.write;
    proto.writeFile = original.writeFile;
  }
}
