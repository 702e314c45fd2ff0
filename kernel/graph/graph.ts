/**
 * The graph builder: declares inputs, parameters and constants, emits nodes through the op registry
 * (static shape/dtype inference at build time) and records named outputs. Nodes are appended in
 * creation order, which is a topological order, so autodiff and lowering never sort.
 */
import { DTypeError, NeuroStormError, ShapeError } from '../errors';
import { DType, HostArray, dtypeOfArray, hostFrom } from './dtype';
import { getOp } from './ops/registry';
import type { AttrValue, Attrs } from './ops/types';
import { checkShape, formatShape, numel } from './shapes';
import { Node, Tensor } from './tensor';

export interface ParamOptions {
  dtype?: DType;
  /** false: a frozen parameter (fed like a weight, never updated; no gradient is built for it). */
  trainable?: boolean;
}

/** Parameter metadata kept by the graph. */
export interface ParamInfo {
  readonly tensor: Tensor;
  readonly trainable: boolean;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params: ParamInfo[] = [];
  /** Constant tensors and their values (lowered to initializers). */
  readonly constants = new Map<Tensor, HostArray>();
  /** Named outputs in declaration order. */
  readonly outputs = new Map<string, Tensor>();
  private nextId = 0;
  private readonly names = new Set<string>();
  private readonly scalarCache = new Map<string, Tensor>();
  private scopes: string[] = [];

  constructor(readonly name = 'graph') {}

  /** Declares a runtime input (data, labels, masks, the learning rate...). */
  input(name: string, shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const t = this.leaf(name, checkShape(shape, `input "${name}"`), dtype, 'input');
    this.inputs.push(t);
    return t;
  }

  /** Declares a parameter: fed at run time (or baked as an initializer when serialising with values). */
  param(name: string, shape: readonly number[], options: ParamOptions = {}): Tensor {
    const t = this.leaf(name, checkShape(shape, `param "${name}"`), options.dtype ?? 'float32', 'param');
    this.params.push({ tensor: t, trainable: options.trainable ?? true });
    return t;
  }

  /**
   * A constant tensor (lowered to an initializer). `values` is a host array of the dtype (kept as
   * is), or numbers converted to `dtype` (default float32). BigInt64Array means int64.
   */
  constant(values: HostArray | ArrayLike<number>, shape: readonly number[], dtype?: DType): Tensor {
    const host = isHostArray(values) ? values : null;
    const dt = dtype ?? (host ? dtypeOfArray(host) : 'float32');
    let data: HostArray;
    if (host && dtypeOfArray(host) === dt) data = host;
    else if (values instanceof BigInt64Array) data = hostFrom(dt, Array.from(values, Number));
    else data = hostFrom(dt, values as ArrayLike<number>);
    const s = checkShape(shape, 'constant');
    if (data.length !== numel(s)) throw new ShapeError(`constant: ${data.length} values do not fill shape ${formatShape(s)}`);
    const t = this.leaf(this.freshName(`const${this.nextId}`), s, dt, 'constant');
    this.constants.set(t, data);
    return t;
  }

  /** A scalar constant (shape []), shared between uses of the same value and dtype. */
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      t = this.constant([value], [], dtype);
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** Marks a tensor as a named graph output. */
  output(name: string, t: Tensor): Tensor {
    if (t.graph !== this) throw new ShapeError(`output "${name}": tensor ${t} belongs to graph "${t.graph.name}", not "${this.name}"`);
    if (this.outputs.has(name) || this.inputs.some(i => i.name === name) || this.params.some(p => p.tensor.name === name)) {
      throw new ShapeError(`output "${name}": the name is already used by an input, parameter or output`);
    }
    this.outputs.set(name, t);
    return t;
  }

  /** Runs `build` with node names prefixed by `scope/` (readable ONNX node names and errors). */
  scope<T>(scope: string, build: () => T): T {
    this.scopes.push(scope);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  /** Looks a parameter up by name. */
  paramInfo(name: string): ParamInfo | undefined {
    return this.params.find(p => p.tensor.name === name);
  }

  /**
   * Emits one node of a registry op and returns its outputs (shapes and dtypes inferred now).
   * Errors name the op, the node and every input's shape; an op missing from the registry gives
   * UnknownOpError. (Takes a string, not OpName, so registry rules may call it without a type cycle.)
   */
  emit(op: string, inputs: readonly Tensor[], attrs: Attrs = {}, numOutputs?: number): Tensor[] {
    const def = getOp(op);
    const nodeName = this.freshName(`${this.scopes.length ? this.scopes.join('/') + '/' : ''}${op}_${this.nextId}`);
    const describe = () =>
      `${op} (node ${nodeName}) with inputs ${inputs.map(t => `${t.name}:${t.dtype}${formatShape(t.shape)}`).join(', ') || 'none'}` +
      (Object.keys(attrs).length ? ` and attributes ${JSON.stringify(attrs)}` : '');
    const [lo, hi] = typeof def.arity === 'number' ? [def.arity, def.arity] : def.arity;
    if (inputs.length < lo || inputs.length > hi) {
      throw new ShapeError(`${describe()}: expected ${lo === hi ? lo : `${lo} to ${hi}`} inputs, got ${inputs.length}`);
    }
    for (const t of inputs) {
      if (t.graph !== this) throw new ShapeError(`${describe()}: input ${t} belongs to graph "${t.graph.name}"`);
    }
    let types;
    try {
      types = def.infer(inputs, attrs);
    } catch (err) {
      if (err instanceof ShapeError) throw new ShapeError(`${describe()}: ${err.message}`, { cause: err });
      if (err instanceof DTypeError) throw new DTypeError(`${describe()}: ${err.message}`, { cause: err });
      if (err instanceof NeuroStormError) throw err;
      throw new ShapeError(`${describe()}: ${(err as Error).message}`, { cause: err });
    }
    if (numOutputs !== undefined && types.length !== numOutputs) {
      throw new ShapeError(`${describe()}: produces ${types.length} outputs, caller expected ${numOutputs}`);
    }
    this.names.add(nodeName);
    const outputs: Tensor[] = [];
    const node: Node = { id: this.nextId++, op, name: nodeName, inputs: [...inputs], outputs, attrs: freezeAttrs(attrs) };
    for (let i = 0; i < types.length; i++) {
      const id = this.nextId++;
      const name = this.uniqueName(`t${id}`);
      outputs.push(new Tensor(this, id, name, [...types[i].shape], types[i].dtype, 'node', node));
    }
    this.nodes.push(node);
    return outputs;
  }

  private leaf(name: string, shape: number[], dtype: DType, kind: 'input' | 'param' | 'constant'): Tensor {
    if (this.names.has(name)) throw new ShapeError(`${kind} "${name}": the name is already used in graph "${this.name}"`);
    if (!name) throw new ShapeError(`${kind}: empty name`);
    this.names.add(name);
    return new Tensor(this, this.nextId++, name, shape, dtype, kind, null);
  }

  /** A name not used yet (not reserved). */
  private freshName(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    return name;
  }

  /** A name not used yet, reserved. */
  private uniqueName(base: string): string {
    const name = this.freshName(base);
    this.names.add(name);
    return name;
  }
}

function isHostArray(v: unknown): v is HostArray {
  return v instanceof Float32Array || v instanceof Float64Array || v instanceof BigInt64Array || v instanceof Uint8Array;
}

function freezeAttrs(attrs: Attrs): Attrs {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = Array.isArray(v) ? Object.freeze([...v]) : v;
  return Object.freeze(out);
}
