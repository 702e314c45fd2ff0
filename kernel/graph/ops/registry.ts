/**
 * THE op registry: one OpDef per op (style.md, point 1). Adding an op means adding one record to one
 * of the family arrays below; the OpName union, the builder's shape inference, lowering and the
 * gradient-check coverage test (test/graph/gradcheck.test.ts) all read this list.
 */
import { UnknownOpError } from '../../errors';
import { ACTIVATION_OPS } from './activation';
import { ELEMENTWISE_OPS } from './elementwise';
import { LAYOUT_OPS } from './layout';
import { LINALG_OPS } from './linalg';
import { NORM_OPS } from './norm';
import { REDUCE_OPS } from './reduce';
import type { OpDef } from './types';

/**
 * The ONNX opset every graph is lowered to. 17 (LayerNormalization's first) is the newest that
 * Debian's python3-onnx 1.12 checker knows. In the IR every reduction takes static `axes`; the
 * lowering writes them as ReduceSum's int64 input and as ReduceMean/ReduceMax's attribute (opset 17
 * differs there; notes/engine.md).
 */
export const OPSET = 17;

export const REGISTRY = [...ELEMENTWISE_OPS, ...LINALG_OPS, ...REDUCE_OPS, ...LAYOUT_OPS, ...NORM_OPS, ...ACTIVATION_OPS] as const;

export type OpName = (typeof REGISTRY)[number]['name'];

const BY_NAME = new Map<string, OpDef>(REGISTRY.map(d => [d.name, d]));

/** The record of an op; UnknownOpError for names not in the registry. */
export function getOp(name: string): OpDef {
  const def = BY_NAME.get(name);
  if (!def) throw new UnknownOpError(`unknown op "${name}"; known ops: ${[...BY_NAME.keys()].join(', ')}`);
  return def;
}

/** All op names, in registry order. */
export function opNames(): OpName[] {
  return REGISTRY.map(d => d.name);
}
