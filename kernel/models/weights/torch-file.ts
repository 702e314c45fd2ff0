/**
 * Reads PyTorch `torch.save` archives (.ckpt / .pth, zip format since torch 1.6) without Python:
 * `<prefix>/data.pkl` is run by the restricted pickle VM (./pickle.ts) and every tensor is copied
 * out of its raw little-endian storage `<prefix>/data/<key>` into a contiguous host tensor.
 * Lightning checkpoints (spec §2.9) give `state_dict` and `hyper_parameters`; a bare state dict
 * (`torch.save(model.state_dict())`) gives tensors only.
 *
 * Hostile files: every tensor view (offset, sizes, strides) is checked against the size its storage
 * declares, and the bytes all views would materialise against a budget proportional to the file,
 * before any storage is read or any tensor allocated; hyper_parameters are expanded under the
 * pickle's budget (no cycles, no exponential memo trees). Violations are WeightsErrors naming the file.
 */
import * as fs from 'fs';
import { WeightsError } from '../../errors';
import type { StoredTensor, TensorData } from '../../runtime/safetensors';
import { openZip, looksLikeZip } from './zip';
import { unpickle, PickleBudget, PickleValue, PyTuple, StorageRef, TensorRef, PyGlobal, StorageDType } from './pickle';

export interface TorchCheckpoint {
  /** The state dict's tensors with their stored names (e.g. `model.layers.0...`), contiguous. */
  tensors: Map<string, StoredTensor>;
  /** Lightning `hyper_parameters` as plain JSON-like data, or null. */
  hyperParameters: Record<string, unknown> | null;
  /** Top-level keys of the checkpoint dict (for messages). */
  topLevelKeys: string[];
}

type PlainValue = null | boolean | number | string | PlainValue[] | { [k: string]: PlainValue };

const ITEM: Record<StorageDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function typedView(dtype: StorageDType, bytes: Uint8Array): TensorData {
  const buf = new Uint8Array(bytes).buffer; // aligned copy
  switch (dtype) {
    case 'F64': return new Float64Array(buf);
    case 'F32': return new Float32Array(buf);
    case 'F16': case 'BF16': return new Uint16Array(buf);
    case 'I64': return new BigInt64Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'I16': return new Int16Array(buf);
    case 'I8': return new Int8Array(buf);
    case 'U8': case 'BOOL': return new Uint8Array(buf);
  }
}

/**
 * Tensors may materialise at most this many bytes per byte of the file (plus a floor): views that
 * share a storage (tied weights, transposes) stay far below it; stride-0 views claiming gigabytes of
 * one stored value do not.
 */
const MATERIALISE_PER_FILE_BYTE = 4;
const MATERIALISE_FLOOR = 1 << 20;

interface CheckedView {
  name: string;
  ref: TensorRef;
  count: number;
}

/**
 * Checks one view against its storage's declared element count, using integers only (no
 * allocation): sizes and strides non-negative safe integers of equal rank, offset in range, and the
 * last element addressed inside the storage.
 */
function checkView(name: string, t: TensorRef, fail: (msg: string) => Error): CheckedView {
  const { shape, stride, offset, storage } = t;
  const what = `tensor "${name}" (size [${shape.join(', ')}], stride [${stride.join(', ')}], offset ${offset})`;
  if (shape.length !== stride.length) throw fail(`${what} has ${shape.length} sizes but ${stride.length} strides`);
  if (shape.length > 32) throw fail(`${what} has ${shape.length} dimensions`);
  if (shape.some(n => n < 0) || stride.some(n => n < 0) || offset < 0 || storage.numel < 0) {
    throw fail(`${what} has a negative size, stride, offset or storage size`);
  }
  let count = 1;
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    count *= shape[d];
    if (shape[d] > 0) last += (shape[d] - 1) * stride[d];
    if (!Number.isSafeInteger(count) || !Number.isSafeInteger(last)) throw fail(`${what} addresses more elements than can be counted`);
  }
  if (count > 0 && last >= storage.numel) {
    throw fail(`${what} reads element ${last} of a storage of ${storage.numel} elements`);
  }
  return { name, ref: t, count };
}

/** Copies a strided view of `src` into a contiguous row-major array of the same type. */
function gather(src: TensorData, offset: number, shape: number[], stride: number[], count: number): TensorData {
  const Ctor = src.constructor as new (n: number) => TensorData;
  const out = new Ctor(count);
  let expected = 1;
  let contiguous = true;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) contiguous = false;
    expected *= shape[i];
  }
  if (contiguous) {
    (out as Float32Array).set((src as Float32Array).subarray(offset, offset + count));
    return out;
  }
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < count; k++) {
    let o = offset;
    for (let d = 0; d < shape.length; d++) o += idx[d] * stride[d];
    (out as Float32Array)[k] = (src as Float32Array)[o];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Plain JSON-like data, expanded under the pickle's budget (cycles and memo bombs are refused). */
function toPlain(v: PickleValue, budget: PickleBudget): PlainValue {
  return budget.expand<PlainValue>(v, 'hyper_parameters', (x, recurse) => {
    if (x === null || typeof x === 'boolean' || typeof x === 'number' || typeof x === 'string') return x;
    if (typeof x === 'bigint') return Number(x);
    if (Array.isArray(x)) return x.map(recurse);
    if (x instanceof PyTuple) return x.items.map(recurse);
    if (x instanceof Map) {
      const o: { [k: string]: PlainValue } = {};
      for (const [k, item] of x) o[String(k)] = recurse(item);
      return o;
    }
    if (x instanceof Uint8Array) return Buffer.from(x).toString('latin1');
    if (x instanceof PyGlobal) return x.name;
    return null; // tensors inside hyper_parameters are not configuration
  });
}

export async function readTorchFile(file: string): Promise<TorchCheckpoint> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    throw new WeightsError(`cannot read: ${(err as Error).message}`, { file, cause: err });
  }
  return parseTorchFile(bytes, file);
}

export function parseTorchFile(bytes: Uint8Array, file: string): TorchCheckpoint {
  if (!looksLikeZip(bytes)) {
    throw new WeightsError('not a zip-format torch.save archive (the legacy pre-1.6 format is not supported)', { file, hint: 're-save it with a current PyTorch (torch.save) or export safetensors' });
  }
  const zip = openZip(bytes, file);
  const pkl = [...zip.entries.keys()].find(n => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pkl) throw new WeightsError('archive has no data.pkl', { file, hint: 'this zip is not a torch.save checkpoint' });
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const fail = (msg: string) => new WeightsError(msg, { file, hint: 'the checkpoint is damaged or was not written by torch.save; re-export it' });
  const pickleBytes = zip.read(pkl);
  const budget = new PickleBudget(pickleBytes.length, fail);
  const root = unpickle(pickleBytes, file, budget);
  if (!(root instanceof Map)) throw new WeightsError('checkpoint root is not a dict', { file });
  const topLevelKeys = [...root.keys()].map(String);
  const sd = root.get('state_dict');
  const stateDict = sd instanceof Map ? sd : root;

  // Every view and storage claim is checked before any storage is read or tensor allocated.
  const views: CheckedView[] = [];
  const storageBytes = new Map<string, number>();
  for (const [k, v] of stateDict) {
    if (!(v instanceof TensorRef)) continue;
    const view = checkView(String(k), v, fail);
    const { key, numel, dtype } = v.storage;
    const entry = zip.entries.get(`${prefix}data/${key}`);
    if (!entry) throw fail(`tensor "${view.name}" refers to storage ${key}, which the archive lacks`);
    const declared = numel * ITEM[dtype];
    if (entry.size !== declared) throw fail(`storage ${key} holds ${entry.size} bytes, but the pickle declares ${numel} × ${ITEM[dtype]}`);
    const seen = storageBytes.get(key);
    if (seen !== undefined && seen !== declared) throw fail(`storage ${key} is declared with two different sizes`);
    storageBytes.set(key, declared);
    views.push(view);
  }
  if (views.length === 0) throw new WeightsError(`no tensors found (top-level keys: ${topLevelKeys.join(', ')})`, { file, hint: 'expected a Lightning checkpoint with state_dict or a saved state_dict' });
  const limit = MATERIALISE_PER_FILE_BYTE * bytes.length + MATERIALISE_FLOOR;
  let total = 0;
  for (const v of views) {
    total += v.count * ITEM[v.ref.storage.dtype];
    if (total > limit) {
      throw fail(`the tensors would materialise more than ${limit} bytes from a ${bytes.length}-byte file (tensor "${v.name}" of [${v.ref.shape.join(', ')}] elements; stride-0 views of a tiny storage?)`);
    }
  }

  const storages = new Map<string, TensorData>();
  const storage = (ref: StorageRef): TensorData => {
    let data = storages.get(ref.key);
    if (!data) {
      data = typedView(ref.dtype, zip.read(`${prefix}data/${ref.key}`));
      storages.set(ref.key, data);
    }
    return data;
  };
  const tensors = new Map<string, StoredTensor>();
  for (const { name, ref, count } of views) {
    tensors.set(name, { dtype: ref.storage.dtype, shape: ref.shape, data: gather(storage(ref.storage), ref.offset, ref.shape, ref.stride, count) });
  }
  const hp = root.get('hyper_parameters');
  const hyperParameters = hp instanceof Map ? (toPlain(hp, budget) as Record<string, unknown>) : null;
  return { tensors, hyperParameters, topLevelKeys };
}

