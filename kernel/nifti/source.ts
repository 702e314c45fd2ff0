/**
 * Sequential byte sources for the NIfTI decoder: a file, an in-memory buffer, or either of them
 * gunzipped as a stream (gzip is detected by its magic bytes, not by the file name).
 *
 * `maxBytes` bounds what the source can produce (file size, or the deflate expansion bound of the
 * compressed size), so the decoder can refuse a header that declares more data than the file can
 * hold before it allocates anything.
 */
import * as fs from 'fs';
import { Readable } from 'stream';
import * as zlib from 'zlib';
import { NiftiFormatError } from '../errors';

export interface ByteSource {
  /** Reads up to `length` bytes into `into` at `offset`; resolves to the count, 0 at the end. */
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
  /** Skips up to `n` bytes; resolves to how many were skipped. */
  skip(n: number): Promise<number>;
  close(): Promise<void>;
  /** Most bytes this source can produce. */
  readonly maxBytes: number;
  /** Bytes as stored (the compressed size for gzip). */
  readonly storedBytes: number;
  readonly compressed: boolean;
}

/** Deflate expands at most 1032:1 (zlib's documented bound); plus slack for tiny streams. */
export function deflateBound(compressedBytes: number): number {
  return compressedBytes * 1032 + 1024;
}

export function isGzip(prefix: Uint8Array): boolean {
  return prefix.length >= 2 && prefix[0] === 0x1f && prefix[1] === 0x8b;
}

class MemorySource implements ByteSource {
  private position = 0;
  readonly compressed = false;
  constructor(private readonly bytes: Uint8Array) {}
  get maxBytes(): number {
    return this.bytes.length;
  }
  get storedBytes(): number {
    return this.bytes.length;
  }
  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    const n = Math.max(0, Math.min(length, this.bytes.length - this.position));
    into.set(this.bytes.subarray(this.position, this.position + n), offset);
    this.position += n;
    return n;
  }
  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.bytes.length - this.position));
    this.position += k;
    return k;
  }
  async close(): Promise<void> {}
}

class FileSource implements ByteSource {
  private position = 0;
  readonly compressed = false;
  constructor(
    private readonly handle: fs.promises.FileHandle,
    readonly maxBytes: number
  ) {}
  get storedBytes(): number {
    return this.maxBytes;
  }
  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    const { bytesRead } = await this.handle.read(into, offset, length, this.position);
    this.position += bytesRead;
    return bytesRead;
  }
  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.maxBytes - this.position));
    this.position += k;
    return k;
  }
  async close(): Promise<void> {
    await this.handle.close();
  }
}

class GunzipSource implements ByteSource {
  readonly compressed = true;
  readonly maxBytes: number;
  private readonly iterator: AsyncIterator<Buffer>;
  private chunk: Buffer = Buffer.alloc(0);
  private chunkPos = 0;
  private done = false;
  private readonly gunzip: zlib.Gunzip;

  constructor(
    private readonly input: Readable,
    readonly storedBytes: number,
    private readonly file: string
  ) {
    this.maxBytes = deflateBound(storedBytes);
    const gunzip = zlib.createGunzip({ chunkSize: 1 << 18 });
    input.on('error', err => gunzip.destroy(err));
    input.pipe(gunzip);
    this.iterator = gunzip[Symbol.asyncIterator]();
    this.gunzip = gunzip;
  }

  private async fill(): Promise<boolean> {
    while (this.chunkPos >= this.chunk.length) {
      if (this.done) return false;
      let next: IteratorResult<Buffer>;
      try {
        next = await this.iterator.next();
      } catch (err) {
        throw new NiftiFormatError(`gzip stream is corrupt or truncated: ${(err as Error).message}`, {
          file: this.file,
          cause: err
        });
      }
      if (next.done) {
        this.done = true;
        return false;
      }
      this.chunk = next.value;
      this.chunkPos = 0;
    }
    return true;
  }

  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    let got = 0;
    while (got < length && (await this.fill())) {
      const n = Math.min(length - got, this.chunk.length - this.chunkPos);
      into.set(this.chunk.subarray(this.chunkPos, this.chunkPos + n), offset + got);
      this.chunkPos += n;
      got += n;
    }
    return got;
  }

  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n && (await this.fill())) {
      const k = Math.min(n - skipped, this.chunk.length - this.chunkPos);
      this.chunkPos += k;
      skipped += k;
    }
    return skipped;
  }

  async close(): Promise<void> {
    this.input.unpipe(this.gunzip);
    this.input.destroy();
    this.gunzip.destroy();
  }
}

/** Reads until `length` bytes arrived or the source ended; resolves to the count. */
export async function readFully(
  source: ByteSource,
  into: Uint8Array,
  offset: number,
  length: number
): Promise<number> {
  let got = 0;
  while (got < length) {
    const n = await source.read(into, offset + got, length - got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** A source over bytes in memory, gunzipped when they start with the gzip magic. */
export function memorySource(bytes: Uint8Array, name: string): ByteSource {
  if (isGzip(bytes)) {
    const input = Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
    return new GunzipSource(input, bytes.length, name);
  }
  return new MemorySource(bytes);
}

/** A source over a file, gunzipped as a stream when it starts with the gzip magic. */
export async function fileSource(path: string): Promise<ByteSource> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new NiftiFormatError(
      code === 'ENOENT' ? 'file not found' : `cannot open: ${(err as Error).message}`,
      {
        file: path,
        cause: err
      }
    );
  }
  const { size } = await handle.stat();
  const prefix = new Uint8Array(2);
  const { bytesRead } = await handle.read(prefix, 0, 2, 0);
  if (!isGzip(prefix.subarray(0, bytesRead))) return new FileSource(handle, size);
  await handle.close();
  return new GunzipSource(fs.createReadStream(path, { highWaterMark: 1 << 20 }), size, path);
}
