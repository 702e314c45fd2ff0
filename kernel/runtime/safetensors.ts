/**
 * safetensors reader and writer (the format of huggingface/safetensors: u64 LE header length, a JSON
 * header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {..}}`, then the byte
 * buffer). Ours, so weights load without Python. Every header claim is checked against the bytes
 * before anything large is allocated; a torn or inconsistent file is refused with a WeightsError.
 */
import * as fs from 'fs';
import { WeightsError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { numel } from '../graph/shapes';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'U16' | 'U32' | 'U64' | 'BOOL';

export type TensorData =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** A host tensor with its safetensors dtype; F16/BF16 and BOOL keep their raw bits (Uint16Array / Uint8Array). */
export interface StoredTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: TensorData;
}

export interface SafetensorsFile {
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string>;
}

const ITEM_SIZE: Record<SafetensorsDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, U16: 2, U32: 4, U64: 8, BOOL: 1
};

/** A header larger than this is refused before parsing (real headers are kilobytes). */
const MAX_HEADER_BYTES = 100 * 2 ** 20;

function viewAs(dtype: SafetensorsDType, bytes: Uint8Array): TensorData {
  // Copy into a fresh, aligned buffer: a typed array view needs offset % itemSize == 0. (Not
  // `bytes.slice()`: on a Node Buffer that is a view into the shared pool, not a copy.)
  const buf = new Uint8Array(bytes).buffer;
  switch (dtype) {
    case 'F64': return new Float64Array(buf);
    case 'F32': return new Float32Array(buf);
    case 'F16': case 'BF16': case 'U16': return new Uint16Array(buf);
    case 'I64': return new BigInt64Array(buf);
    case 'U64': return new BigUint64Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'U32': return new Uint32Array(buf);
    case 'I16': return new Int16Array(buf);
    case 'I8': return new Int8Array(buf);
    case 'U8': case 'BOOL': return new Uint8Array(buf);
  }
}

function dtypeOf(data: TensorData): SafetensorsDType {
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof BigUint64Array) return 'U64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Uint16Array) return 'U16';
  if (data instanceof Int8Array) return 'I8';
  return 'U8';
}

function isDType(s: unknown): s is SafetensorsDType {
  return typeof s === 'string' && s in ITEM_SIZE;
}

/** Parses safetensors bytes; `file` names the source in errors. */
export function parseSafetensors(bytes: Uint8Array, file = '<buffer>'): SafetensorsFile {
  const fail = (msg: string) => new WeightsError(msg, { file, hint: 'the file is truncated or not safetensors; re-export or re-download it' });
  if (bytes.length < 8) throw fail(`${bytes.length} bytes is too short for a safetensors header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(bytes.length - 8, MAX_HEADER_BYTES))) {
    throw fail(`header length ${headerLen} exceeds the ${bytes.length - 8} bytes after it`);
  }
  const n = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8'));
  } catch (err) {
    throw fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, StoredTensor>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null) throw fail('__metadata__ is not an object');
      metadata = Object.fromEntries(Object.entries(entry as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDType(e.dtype)) throw fail(`tensor "${name}" has unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every(d => Number.isSafeInteger(d) && d >= 0)) {
      throw fail(`tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(o => Number.isSafeInteger(o) && o >= 0)) {
      throw fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const shape = e.shape as number[];
    const expected = numel(shape) * ITEM_SIZE[e.dtype];
    if (end < begin || end - begin !== expected) {
      throw fail(`tensor "${name}" ${e.dtype}${JSON.stringify(shape)} needs ${expected} bytes but data_offsets span ${end - begin}`);
    }
    if (end > dataLen) throw fail(`tensor "${name}" ends at byte ${end} but the data section has ${dataLen} bytes`);
    spans.push([begin, end, name]);
    tensors.set(name, { dtype: e.dtype, shape, data: viewAs(e.dtype, bytes.subarray(dataStart + begin, dataStart + end)) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw fail(`tensors "${spans[i - 1][2]}" and "${spans[i][2]}" overlap`);
  }
  return { tensors, metadata };
}

/** Reads a .safetensors file; refuses files whose header does not fit the bytes on disk. */
export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    throw new WeightsError(`cannot read: ${(err as Error).message}`, { file, cause: err });
  }
  return parseSafetensors(bytes, file);
}

/** Encodes tensors (in the given order) and metadata into safetensors bytes. */
export function encodeSafetensors(
  tensors: Map<string, StoredTensor> | Record<string, StoredTensor>,
  metadata: Record<string, string> = {}
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const count = numel(t.shape);
    if (t.data.length !== count) {
      throw new WeightsError(`tensor "${name}" has ${t.data.length} values but shape ${JSON.stringify(t.shape)} needs ${count}`);
    }
    const bytes = count * ITEM_SIZE[t.dtype];
    if (t.data.byteLength !== bytes) {
      throw new WeightsError(`tensor "${name}" is stored as ${dtypeOf(t.data)} but declared ${t.dtype}`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad the header with spaces to a multiple of 8 so tensor data stays aligned (as the reference writer does).
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Writes a .safetensors file atomically (temp + rename). */
export async function writeSafetensors(
  file: string,
  tensors: Map<string, StoredTensor> | Record<string, StoredTensor>,
  metadata: Record<string, string> = {}
): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

/** float32 view of a floating tensor (F16/BF16 decoded, F64 rounded); refuses integer tensors. */
export function toFloat32(t: StoredTensor, name = 'tensor'): Float32Array {
  switch (t.dtype) {
    case 'F32': return t.data as Float32Array;
    case 'F64': return Float32Array.from(t.data as Float64Array);
    case 'BF16': {
      const src = t.data as Uint16Array;
      const bits = new Uint32Array(src.length);
      for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
      return new Float32Array(bits.buffer);
    }
    case 'F16': {
      const src = t.data as Uint16Array;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]);
      return out;
    }
    default:
      throw new WeightsError(`${name} is ${t.dtype}, expected a floating-point tensor`);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
