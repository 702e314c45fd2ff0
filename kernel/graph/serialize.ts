/**
 * Lowering to an ONNX ModelProto (opset 17, IR 8). Only nodes that feed a requested output are
 * written (dead-code elimination: gradient rules may build terms nobody uses). Parameters become
 * graph inputs, or initializers when values are given. A node output that is a graph output takes
 * the output's name directly (an Identity would copy it: measurable for the ~100 parameter and
 * state outputs of a training step); inputs, constants and repeated outputs go through Identity.
 */
import { ShapeError } from '../errors';
import { packageVersion } from '../version';
import { DType, HostArray, dtypeOfArray, onnxDType } from './dtype';
import type { Graph } from './graph';
import { modelProtoType, ONNX_ATTR } from './onnx-proto';
import { getOp, OPSET } from './ops/registry';
import type { AttrValue, LowerContext, OnnxAttrKind } from './ops/types';
import { formatShape, numel } from './shapes';
import type { Node, Tensor } from './tensor';

export const IR_VERSION = 8;

export interface SerializeOptions {
  /** Which named outputs to include (default: all, in declaration order). */
  outputs?: readonly string[];
  /** Parameter values to bake in as initializers (by parameter name); other parameters stay inputs. */
  initializers?: ReadonlyMap<string, HostArray> | Readonly<Record<string, HostArray>>;
}

interface AttributeProtoObject {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}

interface NodeProtoObject {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: AttributeProtoObject[];
}

interface TensorProtoObject {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

function tensorProto(name: string, dtype: DType, shape: readonly number[], data: HostArray): TensorProtoObject {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { name, dims: [...shape], data_type: onnxDType(dtype), raw_data: bytes };
}

function valueInfo(name: string, t: Tensor) {
  return { name, type: { tensor_type: { elem_type: onnxDType(t.dtype), shape: { dim: t.shape.map(d => ({ dim_value: d })) } } } };
}

function attribute(name: string, value: AttrValue, kind: OnnxAttrKind): AttributeProtoObject {
  switch (kind) {
    case 'int': return { name, type: ONNX_ATTR.INT, i: Number(value) };
    case 'float': return { name, type: ONNX_ATTR.FLOAT, f: Number(value) };
    case 'string': return { name, type: ONNX_ATTR.STRING, s: Buffer.from(String(value), 'utf8') };
    case 'ints': return { name, type: ONNX_ATTR.INTS, ints: [...(value as readonly number[])] };
  }
}

/** The nodes needed for `roots`, in graph order. */
export function liveNodes(graph: Graph, roots: readonly Tensor[]): Node[] {
  const live = new Set<Node>();
  const stack = roots.filter(t => t.producer).map(t => t.producer as Node);
  while (stack.length) {
    const n = stack.pop() as Node;
    if (live.has(n)) continue;
    live.add(n);
    for (const t of n.inputs) if (t.producer && !live.has(t.producer)) stack.push(t.producer);
  }
  return graph.nodes.filter(n => live.has(n));
}

/** The ModelProto as a plain object (protobufjs `fromObject` input). */
export function toModelObject(graph: Graph, options: SerializeOptions = {}) {
  const outputNames = options.outputs ? [...options.outputs] : [...graph.outputs.keys()];
  if (outputNames.length === 0) throw new ShapeError(`graph "${graph.name}" has no outputs; mark one with graph.output(name, tensor)`);
  const roots = outputNames.map(n => {
    const t = graph.outputs.get(n);
    if (!t) throw new ShapeError(`graph "${graph.name}" has no output "${n}" (outputs: ${[...graph.outputs.keys()].join(', ')})`);
    return t;
  });
  const inits = options.initializers instanceof Map ? options.initializers : new Map(Object.entries(options.initializers ?? {}));
  for (const name of inits.keys()) if (!graph.paramInfo(name)) throw new ShapeError(`initializer "${name}" is not a parameter of graph "${graph.name}"`);

  const nodes: NodeProtoObject[] = [];
  const initializer: TensorProtoObject[] = [];
  const constCache = new Map<string, string>();
  let constCount = 0;
  const addConst = (key: string, make: (name: string) => TensorProtoObject): string => {
    let name = constCache.get(key);
    if (!name) {
      name = `__const${constCount++}`;
      constCache.set(key, name);
      initializer.push(make(name));
    }
    return name;
  };
  let current = '';
  const nodeNames = new Set<string>();
  let freshCount = 0;
  const ctx: LowerContext = {
    fresh: base => `__${base}${freshCount++}`,
    int64: (values, scalar = false) =>
      addConst(`i64:${scalar ? 's' : 'v'}:${values.join(',')}`, name =>
        tensorProto(name, 'int64', scalar ? [] : [values.length], BigInt64Array.from(values.map(v => BigInt(v))))),
    scalar: (value, dtype) =>
      addConst(`${dtype}:${value}`, name =>
        tensorProto(name, dtype, [], dtype === 'float32' ? Float32Array.of(value) : dtype === 'float64' ? Float64Array.of(value)
          : dtype === 'int64' ? BigInt64Array.of(BigInt(value)) : Uint8Array.of(value ? 1 : 0))),
    node: (opType, inputs, outputs, attrs = {}, kinds = {}) => {
      // A lowering may emit several ONNX nodes for one IR node; suffix all but the first.
      const name = nodeNames.has(current) ? `${current}/${opType}${nodes.length}` : current;
      nodeNames.add(name);
      nodes.push({
        op_type: opType,
        name,
        input: [...inputs],
        output: [...outputs],
        attribute: Object.entries(kinds).filter(([k]) => attrs[k] !== undefined).map(([k, kind]) => attribute(k, attrs[k], kind))
      });
    }
  };

  const rename = new Map<Tensor, string>();
  const viaIdentity: number[] = [];
  roots.forEach((t, i) => {
    if (t.kind === 'node' && !rename.has(t)) rename.set(t, outputNames[i]);
    else viaIdentity.push(i);
  });
  const nameOf = (t: Tensor) => rename.get(t) ?? t.name;
  const used = new Set<Tensor>();
  for (const node of liveNodes(graph, roots)) {
    const def = getOp(node.op);
    current = node.name;
    for (const t of node.inputs) used.add(t);
    const lowerNode = {
      inputs: node.inputs.map(nameOf),
      outputs: node.outputs.map(nameOf),
      attrs: node.attrs,
      inputTypes: node.inputs,
      outputTypes: node.outputs
    };
    if (def.lower) def.lower(lowerNode, ctx);
    else ctx.node(def.onnx, lowerNode.inputs, lowerNode.outputs, node.attrs, def.onnxAttrs ?? {});
  }
  for (const i of viaIdentity) {
    current = `output/${outputNames[i]}`;
    used.add(roots[i]);
    ctx.node('Identity', [nameOf(roots[i])], [outputNames[i]]);
  }

  for (const [t, data] of graph.constants) if (used.has(t)) initializer.push(tensorProto(t.name, t.dtype, t.shape, data));
  const inputs = [];
  for (const t of graph.inputs) inputs.push(valueInfo(t.name, t));
  for (const { tensor: t } of graph.params) {
    const value = inits.get(t.name);
    if (!value) {
      inputs.push(valueInfo(t.name, t));
      continue;
    }
    if (value.length !== numel(t.shape) || dtypeOfArray(value) !== t.dtype) {
      throw new ShapeError(`initializer "${t.name}" holds ${value.length} ${dtypeOfArray(value)} values; parameter is ${t.dtype}${formatShape(t.shape)}`);
    }
    initializer.push(tensorProto(t.name, t.dtype, t.shape, value));
  }

  return {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: 'neurostorm-lab',
    producer_version: packageVersion(),
    graph: {
      name: graph.name,
      node: nodes,
      initializer,
      input: inputs,
      output: outputNames.map((name, i) => valueInfo(name, roots[i]))
    }
  };
}

/** Serialised ModelProto bytes (what onnxruntime and onnx.checker read). */
export function toModelBytes(graph: Graph, options: SerializeOptions = {}): Uint8Array {
  const type = modelProtoType();
  return type.encode(type.fromObject(toModelObject(graph, options))).finish();
}
