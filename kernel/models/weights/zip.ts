/**
 * A minimal ZIP reader for torch.save archives (.ckpt/.pth): central directory, local headers,
 * stored entries (what torch.save writes) and deflated ones (Node zlib), ZIP64 sizes/offsets.
 * No writing, no encryption, no multi-disk archives: those are refused with a WeightsError.
 */
import * as zlib from 'zlib';
import { WeightsError } from '../../errors';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export interface ZipArchive {
  entries: Map<string, ZipEntry>;
  /** Bytes of one entry (decompressed, length checked). */
  read(name: string): Uint8Array;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

/** True when the bytes start like a ZIP archive (local file header signature). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function openZip(bytes: Uint8Array, file: string): ZipArchive {
  const fail = (msg: string) => new WeightsError(msg, { file, hint: 'the checkpoint is truncated or not a torch.save zip archive' });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => dv.getUint16(o, true);
  const u32 = (o: number) => dv.getUint32(o, true);
  const u64 = (o: number) => {
    const v = dv.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`a ZIP64 size ${v} is too large`);
    return Number(v);
  };
  // End of central directory: last 22 bytes plus at most a 64 KiB comment.
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (u32(o) === EOCD_SIG) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) throw fail('no ZIP end-of-central-directory record');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0) throw fail('multi-disk ZIP archives are not supported');
  if (eocd >= 20 && u32(eocd - 20) === ZIP64_LOCATOR_SIG) {
    const z64 = u64(eocd - 20 + 8);
    if (z64 + 56 > bytes.length || u32(z64) !== ZIP64_EOCD_SIG) throw fail('bad ZIP64 end-of-central-directory record');
    count = u64(z64 + 32);
    cdSize = u64(z64 + 40);
    cdOffset = u64(z64 + 48);
  }
  if (cdOffset + cdSize > bytes.length) throw fail(`central directory (${cdOffset}+${cdSize}) lies past the end of the ${bytes.length}-byte file`);
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || u32(p) !== CENTRAL_SIG) throw fail(`central directory entry ${i} is malformed`);
    const flags = u16(p + 8);
    if (flags & 1) throw fail('encrypted ZIP entries are not supported');
    const method = u16(p + 10);
    let compressedSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let localHeaderOffset = u32(p + 42);
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + p + 46, nameLen).toString('utf8');
    // ZIP64 extended information: only the fields whose 32-bit value is 0xffffffff are present, in order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) { size = u64(q); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(q); q += 8; }
        if (localHeaderOffset === 0xffffffff) { localHeaderOffset = u64(q); q += 8; }
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return {
    entries,
    read(name: string): Uint8Array {
      const entry = entries.get(name);
      if (!entry) throw fail(`entry "${name}" is missing from the archive`);
      const o = entry.localHeaderOffset;
      if (o + 30 > bytes.length || u32(o) !== LOCAL_SIG) throw fail(`local header of "${name}" is malformed`);
      const start = o + 30 + u16(o + 26) + u16(o + 28);
      if (start + entry.compressedSize > bytes.length) throw fail(`entry "${name}" runs past the end of the file`);
      const raw = bytes.subarray(start, start + entry.compressedSize);
      let out: Uint8Array;
      if (entry.method === 0) out = raw;
      else if (entry.method === 8) {
        try {
          out = zlib.inflateRawSync(raw);
        } catch (err) {
          throw fail(`entry "${name}" does not inflate: ${(err as Error).message}`);
        }
      } else throw fail(`entry "${name}" uses unsupported compression method ${entry.method}`);
      if (out.length !== entry.size) throw fail(`entry "${name}" has ${out.length} bytes, its header says ${entry.size}`);
      return out;
    }
  };
}
