/**
 * The parameter store: named host tensors (parameters, optimizer state, the step count) that a
 * Trainer feeds and updates, saved to and loaded from safetensors (atomic writes via
 * writeSafetensors). Loading refuses truncated files (the safetensors parser) and files that do not
 * fit the graph (missing tensors, wrong dtype or shape, half-present optimizer state).
 */
import { WeightsError } from '../errors';
import { DType, HostArray, allocHost } from '../graph/dtype';
import type { Graph } from '../graph/graph';
import { formatShape, numel } from '../graph/shapes';
import type { TrainingStep } from '../graph/training';
import { hostDType, HostTensor } from './host-tensor';
import type { Rng } from '../random';
import { readSafetensors, SafetensorsDType, StoredTensor, writeSafetensors } from './safetensors';

const TO_SAFETENSORS: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int64: 'I64', bool: 'BOOL' };
const FROM_SAFETENSORS: Partial<Record<SafetensorsDType, DType>> = { F32: 'float32', F64: 'float64', I64: 'int64', BOOL: 'bool' };

/** Metadata key holding the optimizer step count. */
const STEP_KEY = 'neurostorm.step';

/** Initialiser for one parameter: returns its values (length = numel(shape)). */
export type ParamInit = (name: string, shape: readonly number[], dtype: DType, rng: Rng) => HostArray;

/**
 * PyTorch's defaults for nn.Linear/LayerNorm-style names: `*.weight` of rank 2 ~ U(±1/√fan_in) (kaiming
 * uniform with a=√5), `*.bias` ~ U(±1/√fan_in) of the sibling weight's fan_in when known, otherwise
 * zeros for bias, ones for rank-1 weights (norm scales).
 */
export const torchDefaultInit: ParamInit = (name, shape, dtype, rng) => {
  const out = allocHost(dtype, numel(shape)) as Float32Array | Float64Array;
  if (shape.length >= 2) {
    const fanIn = numel(shape.slice(1));
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-bound, bound);
  } else if (/weight$/.test(name)) out.fill(1);
  return out;
};

export class ParameterStore {
  private readonly tensors = new Map<string, HostTensor>();
  /** Optimizer steps taken so far (PyTorch's state['step']). */
  step = 0;

  constructor(entries?: Iterable<[string, HostTensor]>) {
    if (entries) for (const [k, v] of entries) this.tensors.set(k, v);
  }

  get(name: string): HostTensor {
    const t = this.tensors.get(name);
    if (!t) throw new WeightsError(`parameter store has no tensor "${name}"`, { hint: 'initialise or load the parameters first' });
    return t;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  set(name: string, t: HostTensor): void {
    this.tensors.set(name, t);
  }

  delete(name: string): void {
    this.tensors.delete(name);
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  entries(): [string, HostTensor][] {
    return [...this.tensors.entries()];
  }

  /** Fills every parameter of `graph` that is missing (seeded `init`, default torchDefaultInit); checks the present ones. */
  initialize(graph: Graph, rng: Rng, init: ParamInit = torchDefaultInit): this {
    for (const { tensor: p } of graph.params) {
      if (!this.tensors.has(p.name)) this.tensors.set(p.name, { data: init(p.name, p.shape, p.dtype, rng), shape: [...p.shape] });
    }
    this.checkGraph(graph);
    return this;
  }

  /** Zero optimizer state for a training step's parameters where absent. */
  initializeOptimizerState(step: TrainingStep): this {
    for (const t of step.trained) {
      for (const s of t.state) {
        if (!this.tensors.has(s.input.name)) this.tensors.set(s.input.name, { data: allocHost(s.input.dtype, s.input.size), shape: [...s.input.shape] });
      }
    }
    return this;
  }

  /** The parameters of `graph` as session feeds (checked against the graph first). */
  feedsFor(graph: Graph): Record<string, HostTensor> {
    this.checkGraph(graph);
    return Object.fromEntries(graph.params.map(p => [p.tensor.name, this.get(p.tensor.name)]));
  }

  /** Throws WeightsError naming every parameter of `graph` that is missing or has another dtype/shape. */
  checkGraph(graph: Graph, file?: string): void {
    const problems: string[] = [];
    for (const { tensor: p } of graph.params) {
      const t = this.tensors.get(p.name);
      if (!t) problems.push(`"${p.name}" is missing (expected ${p.dtype}${formatShape(p.shape)})`);
      else if (hostDType(t) !== p.dtype || t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
        problems.push(`"${p.name}" is ${hostDType(t)}${formatShape(t.shape)}, expected ${p.dtype}${formatShape(p.shape)}`);
      }
    }
    if (problems.length) throw new WeightsError(`parameters do not fit graph "${graph.name}": ${problems.join('; ')}`, { file });
  }

  /** Writes every tensor and the step count to a .safetensors file (temp file + rename). */
  async save(file: string, metadata: Record<string, string> = {}): Promise<void> {
    const out = new Map<string, StoredTensor>();
    for (const [name, t] of this.tensors) out.set(name, { dtype: TO_SAFETENSORS[hostDType(t)], shape: [...t.shape], data: t.data });
    await writeSafetensors(file, out, { ...metadata, [STEP_KEY]: String(this.step) });
  }

  /**
   * Loads a store saved by `save` (or any safetensors of F32/F64/I64/BOOL tensors). With `graph`,
   * the parameters are checked against it; with `step`, optimizer state must be complete or absent.
   */
  static async load(file: string, expect: { graph?: Graph; step?: TrainingStep } = {}): Promise<ParameterStore> {
    const st = await readSafetensors(file);
    const store = new ParameterStore();
    for (const [name, t] of st.tensors) {
      const dtype = FROM_SAFETENSORS[t.dtype];
      if (!dtype) throw new WeightsError(`tensor "${name}" is ${t.dtype}; the parameter store holds F32, F64, I64 or BOOL`, { file, hint: 'convert the weights to float32 first' });
      store.tensors.set(name, { data: t.data as HostArray, shape: [...t.shape] });
    }
    const step = st.metadata[STEP_KEY];
    if (step !== undefined) {
      const n = Number(step);
      if (!Number.isSafeInteger(n) || n < 0) throw new WeightsError(`metadata ${STEP_KEY}="${step}" is not a step count`, { file });
      store.step = n;
    }
    if (expect.graph) store.checkGraph(expect.graph, file);
    if (expect.step) {
      const names = expect.step.trained.flatMap(t => t.state.map(s => s.input));
      const present = names.filter(s => store.tensors.has(s.name));
      if (present.length > 0 && present.length < names.length) {
        const missing = names.filter(s => !store.tensors.has(s.name)).map(s => s.name);
        throw new WeightsError(`optimizer state is incomplete: ${missing.length} of ${names.length} tensors missing (first: ${missing[0]})`, { file });
      }
      for (const s of present) {
        const t = store.get(s.name);
        if (hostDType(t) !== s.dtype || t.data.length !== s.size) {
          throw new WeightsError(`optimizer state "${s.name}" is ${hostDType(t)}${formatShape(t.shape)}, expected ${s.dtype}${formatShape(s.shape)}`, { file });
        }
      }
    }
    return store;
  }
}
