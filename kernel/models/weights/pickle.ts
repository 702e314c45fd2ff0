/**
 * A restricted pickle virtual machine for PyTorch checkpoints. It never executes code: GLOBAL and
 * STACK_GLOBAL resolve only names on an allowlist (tensor rebuild functions, storage classes,
 * OrderedDict, Lightning's AttributeDict as a plain dict); any other global is refused with a
 * WeightsError naming it. REDUCE/NEWOBJ/BUILD only act on those allowlisted callables.
 *
 * Values: null, boolean, number, bigint (ints beyond 2^53), string, Uint8Array (bytes), arrays
 * (lists), PyTuple, Map (dicts, OrderedDicts), TensorRef (a tensor view onto a storage) and
 * StorageRef (a persistent id `('storage', <class>, key, location, numel)`).
 *
 * Budgets: a pickle is a program, and a few hundred bytes of memo references can describe an
 * exponentially large tree ("billion laughs") or a cycle. The VM itself only ever holds
 * references, so its work is bounded by a budget proportional to the pickle's size (objects built,
 * entries copied, memo slots, nesting); consumers that expand values (dict keys here, plain
 * configuration in torch-file.ts) walk them through a `PickleBudget`, which refuses cycles, depth
 * and total expansion beyond the same proportion. Every violation is a WeightsError naming the file.
 */
import { WeightsError } from '../../errors';

export type StorageDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export class PyTuple {
  constructor(readonly items: PickleValue[]) {}
}

export class StorageRef {
  constructor(readonly dtype: StorageDType, readonly key: string, readonly numel: number) {}
}

export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[]
  ) {}
}

/** A class from the allowlist, used as a value (storage classes) or as a callable. */
export class PyGlobal {
  constructor(readonly name: string) {}
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PyTuple
  | Map<PickleKey, PickleValue>
  | TensorRef
  | StorageRef
  | PyGlobal;
export type PickleKey = string | number | boolean | null | bigint;

const STORAGE_CLASSES: Record<string, StorageDType> = {
  'torch.FloatStorage': 'F32',
  'torch.DoubleStorage': 'F64',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.LongStorage': 'I64',
  'torch.IntStorage': 'I32',
  'torch.ShortStorage': 'I16',
  'torch.CharStorage': 'I8',
  'torch.ByteStorage': 'U8',
  'torch.BoolStorage': 'BOOL'
};

/** Callables the VM may "call"; each builds plain data, nothing else. */
const DICT_CLASSES = new Set([
  'collections.OrderedDict',
  'builtins.dict',
  'pytorch_lightning.utilities.parsing.AttributeDict',
  'lightning_fabric.utilities.data.AttributeDict',
  'lightning.fabric.utilities.data.AttributeDict'
]);
const TENSOR_REBUILDERS = new Set(['torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor', 'torch._utils._rebuild_parameter']);

export function isAllowedGlobal(name: string): boolean {
  return name in STORAGE_CLASSES || DICT_CLASSES.has(name) || TENSOR_REBUILDERS.has(name);
}

/** Work units (objects built or copied) a pickle may cost per byte of it, plus a floor for tiny ones. */
const UNITS_PER_BYTE = 8;
const UNITS_FLOOR = 4096;
/** Nesting deeper than this is refused (torch.save itself cannot pickle past Python's ~1000 recursion limit). */
export const MAX_PICKLE_DEPTH = 256;

/**
 * Counts work against a limit proportional to a pickle's size and bounds recursive walks over its
 * values (depth, cycles). One instance per file, shared by the VM and whatever expands its values.
 */
export class PickleBudget {
  private used = 0;
  readonly limit: number;
  constructor(
    readonly pickleBytes: number,
    private readonly fail: (msg: string) => Error
  ) {
    this.limit = pickleBytes * UNITS_PER_BYTE + UNITS_FLOOR;
  }

  /** Spends `n` units; throws once the total passes the limit. */
  spend(n: number, what: string): void {
    this.used += n;
    if (this.used > this.limit) {
      throw this.fail(`${what} needs more than ${this.limit} objects for a ${this.pickleBytes}-byte pickle (nested references expanding far beyond the file: a "billion laughs" pickle?)`);
    }
  }

  /**
   * Depth-first expansion of `v`: `build` receives each node and a `recurse` for its children.
   * Every node visited costs one unit; a container met again on its own path (a cycle) and
   * nesting past MAX_PICKLE_DEPTH are refused.
   */
  expand<R>(v: PickleValue, what: string, build: (x: PickleValue, recurse: (child: PickleValue) => R) => R): R {
    const onPath = new Set<object>();
    const visit = (x: PickleValue, depth: number): R => {
      this.spend(1, what);
      if (depth > MAX_PICKLE_DEPTH) throw this.fail(`${what} nests deeper than ${MAX_PICKLE_DEPTH} levels`);
      const container = Array.isArray(x) || x instanceof PyTuple || x instanceof Map;
      if (!container) return build(x, child => visit(child, depth + 1));
      if (onPath.has(x as object)) throw this.fail(`${what} contains itself (a reference cycle)`);
      onPath.add(x as object);
      try {
        return build(x, child => visit(child, depth + 1));
      } finally {
        onPath.delete(x as object);
      }
    };
    return visit(v, 0);
  }
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

function toInt(v: PickleValue, what: string, fail: (m: string) => Error): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  throw fail(`${what} is not an integer`);
}

function intList(v: PickleValue, what: string, fail: (m: string) => Error): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw fail(`${what} is not a tuple`);
  return items.map((x, i) => toInt(x, `${what}[${i}]`, fail));
}

function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  // One hex parse (linear), not a shift per byte (quadratic in BigInt width).
  let v = BigInt('0x' + Buffer.from(bytes).reverse().toString('hex'));
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Runs the pickle program in `bytes`; `file` names the source in errors. Persistent ids must be
 * torch storage tuples.
 */
export function unpickle(bytes: Uint8Array, file: string, budget?: PickleBudget): PickleValue {
  const fail = (msg: string) => new WeightsError(`pickle: ${msg}`, { file, hint: 'only plain PyTorch state dicts and Lightning checkpoints can be loaded; convert other files to safetensors' });
  const cost = budget ?? new PickleBudget(bytes.length, fail);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw fail(`truncated at byte ${pos}`);
  };
  const u8 = () => { need(1); return bytes[pos++]; };
  const u16 = () => { need(2); const v = dv.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const i32 = () => { need(4); const v = dv.getInt32(pos, true); pos += 4; return v; };
  const take = (n: number) => { need(n); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const utf8 = (n: number) => Buffer.from(take(n)).toString('utf8');
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw fail('unterminated text line');
    const s = Buffer.from(bytes.subarray(pos, end)).toString('latin1');
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw fail('stack underflow');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw fail('stack underflow');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const items: PickleValue[] = [];
    for (;;) {
      const v = stack.pop();
      if (v === undefined) throw fail('MARK not found');
      if (v === MARK) return items.reverse();
      items.push(v);
    }
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const full = `${module}.${name}`;
    if (!isAllowedGlobal(full)) throw new WeightsError(`pickle refers to the global "${full}", which is not on the allowlist (no code from a checkpoint is ever run)`, { file, hint: 'export the state_dict to safetensors with the official code, then load that' });
    return new PyGlobal(full);
  };
  const asKey = (k: PickleValue): PickleKey => {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' || typeof k === 'bigint') return k;
    if (k instanceof PyTuple) {
      // Tuple keys become their JSON text, expanded under the budget (nested memo references).
      return cost.expand<string>(k, 'a tuple dict key', (x, recurse) => {
        if (x instanceof PyTuple) return `[${x.items.map(recurse).join(',')}]`;
        if (x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return JSON.stringify(x);
        if (typeof x === 'bigint') return JSON.stringify(x.toString());
        throw fail('unhashable dict key');
      });
    }
    throw fail('unhashable dict key');
  };
  const setItems = (target: PickleValue, kv: PickleValue[]) => {
    if (!(target instanceof Map)) throw fail('SETITEM(S) on a non-dict');
    cost.spend(kv.length, 'SETITEMS');
    for (let i = 0; i + 1 < kv.length; i += 2) target.set(asKey(kv[i]), kv[i + 1]);
  };
  const call = (fn: PickleValue, args: PickleValue): PickleValue => {
    if (!(fn instanceof PyGlobal)) throw fail('REDUCE on a value that is not an allowlisted callable');
    const a = args instanceof PyTuple ? args.items : null;
    if (!a) throw fail(`${fn.name} called without an argument tuple`);
    if (DICT_CLASSES.has(fn.name)) {
      const m = new Map<PickleKey, PickleValue>();
      const from = a[0];
      cost.spend(Array.isArray(from) ? from.length : from instanceof Map ? from.size : 0, `${fn.name}(...)`);
      if (a.length > 0 && Array.isArray(a[0])) {
        for (const pair of a[0]) if (pair instanceof PyTuple && pair.items.length === 2) m.set(asKey(pair.items[0]), pair.items[1]);
      } else if (a.length > 0 && a[0] instanceof Map) for (const [k, v] of a[0]) m.set(k, v);
      return m;
    }
    if (fn.name === 'torch._utils._rebuild_parameter') {
      if (!(a[0] instanceof TensorRef)) throw fail('_rebuild_parameter without a tensor');
      return a[0];
    }
    if (TENSOR_REBUILDERS.has(fn.name)) {
      const [storage, offset, size, stride] = a;
      if (!(storage instanceof StorageRef)) throw fail(`${fn.name}: first argument is not a storage`);
      return new TensorRef(storage, toInt(offset, 'storage offset', fail), intList(size, 'size', fail), intList(stride, 'stride', fail));
    }
    throw fail(`${fn.name} cannot be called`);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME
      case 0x2e: return pop(); // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x8a: stack.push(decodeLong(take(u8()))); break; // LONG1
      case 0x8b: stack.push(decodeLong(take(u32()))); break; // LONG4
      case 0x49: { // INT (text)
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : Number.parseInt(s, 10));
        break;
      }
      case 0x4c: stack.push(Number.parseInt(line().replace(/L$/, ''), 10)); break; // LONG (text)
      case 0x47: { need(8); stack.push(dv.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT (big-endian)
      case 0x46: stack.push(Number.parseFloat(line())); break; // FLOAT (text)
      case 0x58: stack.push(utf8(u32())); break; // BINUNICODE
      case 0x8c: stack.push(utf8(u8())); break; // SHORT_BINUNICODE
      case 0x8d: { need(8); const n = Number(dv.getBigUint64(pos, true)); pos += 8; stack.push(utf8(n)); break; } // BINUNICODE8
      case 0x54: stack.push(Buffer.from(take(u32())).toString('latin1')); break; // BINSTRING
      case 0x55: stack.push(Buffer.from(take(u8())).toString('latin1')); break; // SHORT_BINSTRING
      case 0x42: stack.push(new Uint8Array(take(u32()))); break; // BINBYTES
      case 0x43: stack.push(new Uint8Array(take(u8()))); break; // SHORT_BINBYTES
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x8f: stack.push([]); break; // EMPTY_SET (kept as a list)
      case 0x74: stack.push(new PyTuple(popMark())); break; // TUPLE
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; } // TUPLE3
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x64: { const items = popMark(); const m = new Map<PickleKey, PickleValue>(); setItems(m, items); stack.push(m); break; } // DICT
      case 0x61: { const v = pop(); const l = top(); if (!Array.isArray(l)) throw fail('APPEND to a non-list'); l.push(v); break; } // APPEND
      case 0x65: case 0x90: { // APPENDS, ADDITEMS (a loop, not push(...items): spread arguments overflow the call stack)
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) throw fail(`${op === 0x65 ? 'APPENDS' : 'ADDITEMS'} to a non-list`);
        cost.spend(items.length, 'APPENDS');
        for (const item of items) l.push(item);
        break;
      }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x71: cost.spend(1, 'the memo'); memo.set(u8(), top()); break; // BINPUT
      case 0x72: cost.spend(1, 'the memo'); memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: cost.spend(1, 'the memo'); memo.set(memo.size, top()); break; // MEMOIZE
      case 0x70: cost.spend(1, 'the memo'); memo.set(Number.parseInt(line(), 10), top()); break; // PUT
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const idx = op === 0x68 ? u8() : op === 0x6a ? u32() : Number.parseInt(line(), 10);
        if (!memo.has(idx)) throw fail(`memo ${idx} is unset`);
        stack.push(memo.get(idx) as PickleValue);
        break;
      }
      case 0x63: { const module = line(); const name = line(); stack.push(resolveGlobal(module, name)); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); if (typeof module !== 'string' || typeof name !== 'string') throw fail('STACK_GLOBAL needs two strings'); stack.push(resolveGlobal(module, name)); break; }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(call(fn, args)); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x62: { // BUILD: only dict-like state on dicts (AttributeDict) and tensors' empty state is accepted
        const state = pop();
        const obj = top();
        if (obj instanceof Map && state instanceof Map) {
          cost.spend(state.size, 'BUILD');
          for (const [k, v] of state) obj.set(k, v);
        }
        else if (!(obj instanceof TensorRef)) throw fail('BUILD on an object that is not a dict');
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') throw fail('persistent id is not a torch storage tuple');
        const [, cls, key, , numel] = pid.items;
        if (!(cls instanceof PyGlobal) || !(cls.name in STORAGE_CLASSES)) throw fail('persistent id names no storage class');
        if (typeof key !== 'string') throw fail('storage key is not a string');
        stack.push(new StorageRef(STORAGE_CLASSES[cls.name], key, toInt(numel, 'storage size', fail)));
        break;
      }
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      default:
        throw fail(`unsupported opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}
