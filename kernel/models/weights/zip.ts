/**
 * A minimal ZIP reader for torch.save archives (.ckpt/.pth): central directory, local headers,
 * stored entries (what torch.save writes) and deflated ones (Node zlib), ZIP64 sizes/offsets.
 * No writing, no encryption, no multi-disk archives: those are refused with a WeightsError.
 *
 * Zip bombs: an entry's declared size is checked against a plausible ratio to its compressed size
 * before it is inflated, inflation stops at the declared size (zlib's maxOutputLength, so at most
 * that much is ever produced), and all entries of one archive together may inflate to at most
 * PLAUSIBLE_RATIO times the archive (torch.save stores entries uncompressed; real deflated weights
 * shrink by well under 2:1).
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

/** Inflated bytes per compressed byte an archive may claim, plus a floor for small entries. */
export const PLAUSIBLE_RATIO = 32;
const INFLATE_FLOOR = 1 << 20;

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
  // Every read goes through these bounds checks: a lying offset is a WeightsError, never a RangeError.
  const inside = (o: number, n: number, what: string) => {
    if (!Number.isSafeInteger(o) || o < 0 || o + n > bytes.length) throw fail(`${what} lies outside the ${bytes.length}-byte file`);
  };
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
  if (count * 46 > cdSize) throw fail(`central directory of ${cdSize} bytes cannot hold ${count} entries`);
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
    inside(p + 46, nameLen + extraLen + commentLen, `central directory entry ${i}`);
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + p + 46, nameLen).toString('utf8');
    // ZIP64 extended information: only the fields whose 32-bit value is 0xffffffff are present, in order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const field = () => {
          if (q + 8 > e + 4 + len || q + 8 > extraEnd) throw fail(`ZIP64 field of entry "${name}" is truncated`);
          const v = u64(q);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = field();
        if (compressedSize === 0xffffffff) compressedSize = field();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = field();
      }
      e += 4 + len;
    }
    if (method === 0 && size !== compressedSize) throw fail(`stored entry "${name}" declares ${size} bytes but holds ${compressedSize}`);
    entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  // Inflated bytes this archive may still produce (all entries together).
  let inflateAllowance = PLAUSIBLE_RATIO * bytes.length + INFLATE_FLOOR;
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
        const plausible = Math.min(PLAUSIBLE_RATIO * entry.compressedSize + INFLATE_FLOOR, inflateAllowance);
        if (entry.size > plausible) {
          throw fail(`entry "${name}" claims ${entry.size} bytes from ${entry.compressedSize} compressed (more than ${PLAUSIBLE_RATIO}:1 for this ${bytes.length}-byte archive): refused as a zip bomb`);
        }
        try {
          // One byte more than declared: an entry that inflates past its claim fails here, having
          // produced at most that much.
          out = zlib.inflateRawSync(raw, { maxOutputLength: entry.size + 1 });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ERR_BUFFER_TOO_LARGE') throw fail(`entry "${name}" inflates to more than the ${entry.size} bytes its header declares`);
          throw fail(`entry "${name}" does not inflate: ${(err as Error).message}`);
        }
        inflateAllowance -= out.length;
      } else throw fail(`entry "${name}" uses unsupported compression method ${entry.method}`);
      if (out.length !== entry.size) throw fail(`entry "${name}" has ${out.length} bytes, its header says ${entry.size}`);
      return out;
    }
  };
}
