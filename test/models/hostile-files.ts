/**
 * Builds torch.save-style checkpoints byte by byte in the tests (no binary blobs checked in): a
 * small pickle assembler, a ZIP writer (stored or deflated entries, with honest or lying sizes),
 * and the hostile checkpoints of issue 14 (memo "billion laughs", stride-0 views, negative shapes,
 * self-referencing hyper_parameters, zip bombs).
 */
import * as zlib from 'zlib';

/** Pickle protocol-2 opcodes, written as a program. */
export class Pickle {
  private readonly parts: number[] = [];
  private op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  private u32(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  }
  proto(): this { return this.op(0x80, 2); }
  mark(): this { return this.op(0x28); }
  none(): this { return this.op(0x4e); }
  bool(b: boolean): this { return this.op(b ? 0x88 : 0x89); }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n);
    return this.op(0x4a, ...this.u32(n >>> 0)); // BININT (signed 32-bit)
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.op(0x58, ...this.u32(b.length), ...b);
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1'));
  }
  emptyDict(): this { return this.op(0x7d); }
  emptyList(): this { return this.op(0x5d); }
  emptyTuple(): this { return this.op(0x29); }
  tuple(): this { return this.op(0x74); }
  list(): this { return this.op(0x6c); }
  tuple2(): this { return this.op(0x86); }
  setitem(): this { return this.op(0x73); }
  setitems(): this { return this.op(0x75); }
  append(): this { return this.op(0x61); }
  appends(): this { return this.op(0x65); }
  reduce(): this { return this.op(0x52); }
  persid(): this { return this.op(0x51); }
  put(i: number): this { return this.op(0x72, ...this.u32(i)); }
  get(i: number): this { return this.op(0x6a, ...this.u32(i)); }
  dup(): this { return this.op(0x32); }
  pop(): this { return this.op(0x30); }
  stop(): Uint8Array { this.op(0x2e); return Uint8Array.from(this.parts); }
  raw(bytes: number[]): this { return this.op(...bytes); }
}

export interface ViewSpec {
  storage: string;
  /** Elements the storage declares (the pickle's claim). */
  numel: number;
  offset?: number;
  shape: number[];
  stride?: number[];
}

/** Pushes a `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` call. */
export function pushTensor(p: Pickle, v: ViewSpec): Pickle {
  const stride = v.stride ?? v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  p.global('torch._utils', '_rebuild_tensor_v2').mark();
  p.mark().str('storage').global('torch', 'FloatStorage').str(v.storage).str('cpu').int(v.numel).tuple().persid();
  p.int(v.offset ?? 0);
  p.mark();
  for (const n of v.shape) p.int(n);
  p.tuple();
  p.mark();
  for (const n of stride) p.int(n);
  p.tuple();
  p.bool(false);
  p.global('collections', 'OrderedDict').emptyTuple().reduce();
  return p.tuple().reduce();
}

/**
 * The checkpoint pickle: `{'state_dict': {name: tensor...}, 'hyper_parameters': <hp>}`; `hp`
 * pushes exactly one value (or nothing for no hyper_parameters).
 */
export function checkpointPickle(tensors: Record<string, ViewSpec>, hp?: (p: Pickle) => void): Uint8Array {
  const p = new Pickle().proto().emptyDict();
  p.str('state_dict').emptyDict();
  for (const [name, v] of Object.entries(tensors)) {
    p.str(name);
    pushTensor(p, v);
    p.setitem();
  }
  p.setitem();
  if (hp) {
    p.str('hyper_parameters');
    hp(p);
    p.setitem();
  }
  return p.stop();
}

export interface ZipEntrySpec {
  name: string;
  /** The entry's bytes, or already raw-deflated bytes with their inflated length. */
  data: Uint8Array | { deflated: Uint8Array; size: number };
  /** Deflate the entry (torch.save stores; hostile files may not). */
  deflate?: boolean;
  /** Size to declare instead of the true one (a lying header). */
  declaredSize?: number;
}

function crc32(data: Uint8Array): number {
  const z = zlib as unknown as { crc32?: (d: Uint8Array) => number };
  if (z.crc32) return z.crc32(data) >>> 0;
  let c = ~0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A ZIP archive (no ZIP64; entries under 4 GiB). */
export function zipArchive(entries: ZipEntrySpec[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const pre = e.data instanceof Uint8Array ? null : e.data;
    const plain = e.data instanceof Uint8Array ? e.data : null;
    const deflated = pre !== null || e.deflate === true;
    const body = pre ? Buffer.from(pre.deflated) : e.deflate ? zlib.deflateRawSync(plain as Uint8Array, { level: 9 }) : Buffer.from(plain as Uint8Array);
    const size = e.declaredSize ?? (pre ? pre.size : (plain as Uint8Array).length);
    const crc = plain ? crc32(plain) : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(deflated ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(deflated ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, eocd]));
}

/** float32 little-endian bytes. */
export function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A torch.save archive: `archive/data.pkl` plus `archive/data/<key>` storages. */
export function torchArchive(pickle: Uint8Array, storages: Record<string, Uint8Array>, deflate = false): Uint8Array {
  return zipArchive([
    { name: 'archive/data.pkl', data: pickle, deflate },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data, deflate }))
  ]);
}

/** A valid small checkpoint: two tensors sharing storage 0 (one transposed), hyper_parameters dict. */
export function validCheckpoint(): Uint8Array {
  const pkl = checkpointPickle(
    {
      'model.w': { storage: '0', numel: 6, shape: [2, 3] },
      'model.wt': { storage: '0', numel: 6, shape: [3, 2], stride: [1, 3] },
      'model.b': { storage: '1', numel: 2, shape: [2] }
    },
    p => {
      p.emptyDict().str('embed_dim').int(12).setitem().str('depths').mark().int(2).int(2).list().setitem();
    }
  );
  return torchArchive(pkl, { '0': f32([1, 2, 3, 4, 5, 6]), '1': f32([7, 8]) });
}

/**
 * "Billion laughs": level k is a list holding level k-1 ten times (by memo reference), `levels`
 * deep, inside hyper_parameters. A few hundred bytes that expand to 10^levels nodes.
 */
export function laughsCheckpoint(levels = 9): Uint8Array {
  const pkl = checkpointPickle({ 'model.b': { storage: '0', numel: 1, shape: [1] } }, p => {
    p.emptyDict().str('lol');
    p.str('lol').put(0).pop();
    for (let k = 1; k <= levels; k++) {
      p.mark();
      for (let j = 0; j < 10; j++) p.get(k - 1);
      p.list().put(k).pop();
    }
    p.get(levels).setitem();
  });
  return torchArchive(pkl, { '0': f32([1]) });
}

/** A 1-element storage viewed as `shape` with all strides 0 (a tensor claiming numel(shape) elements). */
export function strideZeroCheckpoint(shape = [1 << 14, 1 << 13]): Uint8Array {
  const pkl = checkpointPickle({ 'model.big': { storage: '0', numel: 1, shape, stride: shape.map(() => 0) } });
  return torchArchive(pkl, { '0': f32([1]) });
}

/** A tensor with a negative size (negshape.ckpt). */
export function negativeShapeCheckpoint(): Uint8Array {
  const pkl = checkpointPickle({ 'model.neg': { storage: '0', numel: 4, shape: [-4], stride: [1] } });
  return torchArchive(pkl, { '0': f32([1, 2, 3, 4]) });
}

/** hyper_parameters holding a list that contains itself (selfref.ckpt). */
export function selfReferenceCheckpoint(): Uint8Array {
  const pkl = checkpointPickle({ 'model.b': { storage: '0', numel: 1, shape: [1] } }, p => {
    p.emptyDict().str('loop').emptyList().put(0).get(0).append().setitem();
  });
  return torchArchive(pkl, { '0': f32([1]) });
}

/**
 * Raw deflate of `megabytes` MiB of zeros without allocating them: one MiB compressed and
 * full-flushed (no history carried over), repeated, then an empty final block.
 */
export function deflatedZeros(megabytes: number): { deflated: Uint8Array; size: number } {
  const block = zlib.deflateRawSync(Buffer.alloc(2 ** 20), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  const end = zlib.deflateRawSync(Buffer.alloc(0));
  return { deflated: new Uint8Array(Buffer.concat([...Array.from({ length: megabytes }, () => block), end])), size: megabytes * 2 ** 20 };
}

/** A deflated storage entry that honestly declares `megabytes` MiB of zeros (~1000:1). */
export function zipBombCheckpoint(megabytes = 1024): Uint8Array {
  const n = (megabytes * 2 ** 20) / 4;
  const pkl = checkpointPickle({ 'model.z': { storage: '0', numel: n, shape: [n] } });
  return zipArchive([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/data/0', data: deflatedZeros(megabytes) }
  ]);
}

/** A deflated entry whose header understates its size (inflates to `megabytes` MiB, declares 64 bytes). */
export function understatedEntryCheckpoint(megabytes = 256): Uint8Array {
  const pkl = checkpointPickle({ 'model.z': { storage: '0', numel: 16, shape: [16] } });
  return zipArchive([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/data/0', data: deflatedZeros(megabytes), declaredSize: 64 }
  ]);
}
