/**
 * Content hashes of files (SHA-256, streamed in 1 MiB chunks so memory stays flat): the keys of
 * frame caches and the fingerprints in saved model folders.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';

/** SHA-256 of a file's bytes, hex. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
