/**
 * NIfTI datatype codes (nifti1.h names and numbers) and the subset this package reads and writes.
 * Everything else (complex, RGB, 64-bit ints, float128, binary) is refused with a NiftiFormatError.
 */
import { NiftiFormatError } from '../errors';

/** The datatype codes of nifti1.h, spec names kept. */
export const NiftiDatatype = {
  DT_BINARY: 1,
  DT_UINT8: 2,
  DT_INT16: 4,
  DT_INT32: 8,
  DT_FLOAT32: 16,
  DT_COMPLEX64: 32,
  DT_FLOAT64: 64,
  DT_RGB24: 128,
  DT_INT8: 256,
  DT_UINT16: 512,
  DT_UINT32: 768,
  DT_INT64: 1024,
  DT_UINT64: 1280,
  DT_FLOAT128: 1536,
  DT_COMPLEX128: 1792,
  DT_COMPLEX256: 2048,
  DT_RGBA32: 2304
} as const;

/** The typed arrays that hold voxel values as stored (one per supported datatype). */
export type NiftiTypedArray =
  Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Float32Array | Float64Array;

interface DatatypeInfo {
  code: number;
  name: string;
  bytes: number;
  create: (buffer: ArrayBuffer, byteOffset: number, length: number) => NiftiTypedArray;
}

const SUPPORTED: readonly DatatypeInfo[] = [
  { code: 2, name: 'uint8', bytes: 1, create: (b, o, n) => new Uint8Array(b, o, n) },
  { code: 256, name: 'int8', bytes: 1, create: (b, o, n) => new Int8Array(b, o, n) },
  { code: 4, name: 'int16', bytes: 2, create: (b, o, n) => new Int16Array(b, o, n) },
  { code: 512, name: 'uint16', bytes: 2, create: (b, o, n) => new Uint16Array(b, o, n) },
  { code: 8, name: 'int32', bytes: 4, create: (b, o, n) => new Int32Array(b, o, n) },
  { code: 16, name: 'float32', bytes: 4, create: (b, o, n) => new Float32Array(b, o, n) },
  { code: 64, name: 'float64', bytes: 8, create: (b, o, n) => new Float64Array(b, o, n) }
];

/** Every datatype code this package supports, in code order of the table above. */
export const SUPPORTED_DATATYPES: readonly number[] = SUPPORTED.map(d => d.code);

function nameOfCode(code: number): string {
  const entry = Object.entries(NiftiDatatype).find(([, v]) => v === code);
  return entry ? entry[0] : 'unknown';
}

/** Size, name and typed-array constructor of a supported datatype; NiftiFormatError otherwise. */
export function datatypeInfo(code: number, file?: string): DatatypeInfo {
  const info = SUPPORTED.find(d => d.code === code);
  if (!info) {
    throw new NiftiFormatError(`datatype ${code} (${nameOfCode(code)}) is not supported`, {
      file,
      hint: `supported: ${SUPPORTED.map(d => `${d.name} (${d.code})`).join(', ')}; convert the file, e.g. to float32`
    });
  }
  return info;
}

/** The datatype code that matches a typed array (the writer stores arrays as they are). */
export function datatypeOfArray(array: NiftiTypedArray): number {
  if (array instanceof Uint8Array) return NiftiDatatype.DT_UINT8;
  if (array instanceof Int8Array) return NiftiDatatype.DT_INT8;
  if (array instanceof Int16Array) return NiftiDatatype.DT_INT16;
  if (array instanceof Uint16Array) return NiftiDatatype.DT_UINT16;
  if (array instanceof Int32Array) return NiftiDatatype.DT_INT32;
  if (array instanceof Float32Array) return NiftiDatatype.DT_FLOAT32;
  return NiftiDatatype.DT_FLOAT64;
}

/** Reverses the byte order of every `bytes`-wide element in place (big-endian files). */
export function swapBytes(view: Uint8Array, bytes: number): void {
  if (bytes === 1) return;
  const n = view.length;
  if (bytes === 2) {
    for (let i = 0; i + 1 < n; i += 2) {
      const t = view[i];
      view[i] = view[i + 1];
      view[i + 1] = t;
    }
    return;
  }
  for (let i = 0; i + bytes <= n; i += bytes) {
    for (let a = i, b = i + bytes - 1; a < b; a++, b--) {
      const t = view[a];
      view[a] = view[b];
      view[b] = t;
    }
  }
}
