/**
 * Reads PyTorch `torch.save` archives (.ckpt / .pth, zip format since torch 1.6) without Python:
 * `<prefix>/data.pkl` is run by the restricted pickle VM (./pickle.ts) and every tensor is copied
 * out of its raw little-endian storage `<prefix>/data/<key>` into a contiguous host tensor.
 * Lightning checkpoints (spec §2.9) give `state_dict` and `hyper_parameters`; a bare state dict
 * (`torch.save(model.state_dict())`) gives tensors only.
 */
import * as fs from 'fs';
import { WeightsError } from '../../errors';
import type { StoredTensor, TensorData } from '../../runtime/safetensors';
import { openZip, looksLikeZip } from './zip';
import { unpickle, PickleValue, PyTuple, StorageRef, TensorRef, PyGlobal, StorageDType } from './pickle';
import { numel } from '../../graph/shapes';

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

/** Copies a strided view of `src` into a contiguous row-major array of the same type. */
function gather(src: TensorData, offset: number, shape: number[], stride: number[]): TensorData {
  const count = numel(shape);
  const Ctor = src.constructor as new (n: number) => TensorData;
  const out = new Ctor(count);
  const contiguous = shape.every((_, i) => shape[i] === 1 || stride[i] === numel(shape.slice(i + 1)));
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

function toPlain(v: PickleValue, file: string): PlainValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(x => toPlain(x, file));
  if (v instanceof PyTuple) return v.items.map(x => toPlain(x, file));
  if (v instanceof Map) {
    const o: { [k: string]: PlainValue } = {};
    for (const [k, x] of v) o[String(k)] = toPlain(x, file);
    return o;
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  if (v instanceof PyGlobal) return v.name;
  return null; // tensors inside hyper_parameters are not configuration
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
  const root = unpickle(zip.read(pkl), file);
  const storages = new Map<string, TensorData>();
  const storage = (ref: StorageRef): TensorData => {
    let data = storages.get(ref.key);
    if (!data) {
      const raw = zip.read(`${prefix}data/${ref.key}`);
      if (raw.length !== ref.numel * ITEM[ref.dtype]) {
        throw new WeightsError(`storage ${ref.key} has ${raw.length} bytes, expected ${ref.numel} × ${ITEM[ref.dtype]}`, { file });
      }
      data = typedView(ref.dtype, raw);
      storages.set(ref.key, data);
    }
    return data;
  };
  const materialize = (name: string, t: TensorRef): StoredTensor => {
    const src = storage(t.storage);
    let last = t.offset;
    for (let d = 0; d < t.shape.length; d++) last += (t.shape[d] - 1) * t.stride[d];
    if (t.shape.some(n => n === 0)) last = t.offset - 1;
    if (t.offset < 0 || last >= src.length) throw new WeightsError(`tensor "${name}" reads past its storage (${src.length} elements)`, { file });
    return { dtype: t.storage.dtype, shape: t.shape, data: gather(src, t.offset, t.shape, t.stride) };
  };

  if (!(root instanceof Map)) throw new WeightsError('checkpoint root is not a dict', { file });
  const topLevelKeys = [...root.keys()].map(String);
  const sd = root.get('state_dict');
  const stateDict = sd instanceof Map ? sd : root;
  const tensors = new Map<string, StoredTensor>();
  for (const [k, v] of stateDict) {
    if (v instanceof TensorRef) tensors.set(String(k), materialize(String(k), v));
  }
  if (tensors.size === 0) throw new WeightsError(`no tensors found (top-level keys: ${topLevelKeys.join(', ')})`, { file, hint: 'expected a Lightning checkpoint with state_dict or a saved state_dict' });
  const hp = root.get('hyper_parameters');
  const hyperParameters = hp instanceof Map ? (toPlain(hp, file) as Record<string, unknown>) : null;
  return { tensors, hyperParameters, topLevelKeys };
}

