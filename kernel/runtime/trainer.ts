/**
 * Runs a TrainingStep: each `step()` is one onnxruntime session run (forward, loss, backward,
 * update); parameters and optimizer state come from, and go back to, a ParameterStore.
 */
import type { TrainingStep } from '../graph/training';
import { TRAINING_NAMES } from '../graph/training';
import { hostFrom, HostArray } from '../graph/dtype';
import { UsageError } from '../errors';
import type { HostTensor } from './host-tensor';
import { ParameterStore } from './param-store';
import { createSession, GraphSession, SessionOptions } from './session';

export interface StepResult {
  /** The loss before the update (NaN/Infinity are returned, not thrown: the caller decides). */
  loss: number;
  /** Global gradient norm before clipping (when the step clips). */
  gradNorm: number | null;
  /** The step's extra outputs by name. */
  outputs: Record<string, HostTensor>;
}

export interface TrainerCreateOptions extends SessionOptions {
  /**
   * Bake the parameters the step does not train (not in `spec.trained`: a TPT or probe step's frozen
   * backbone) into the session as initializers instead of feeding them each step (default true).
   * As graph inputs onnxruntime must treat them as unknown at every run: it cannot prepack the
   * Gemm/MatMul weights (MLAS packed B) nor constant-fold weight-only subgraphs (A = −exp(A_log),
   * the weight transposes the backward's Gemms read). Frozen values never change during a trainer's
   * life, so baking is the same step. Full fine-tuning and MAE train everything: nothing changes.
   * Default false: measured side by side on the official TPT step (kernel/graph/README.md, fifth
   * pass) it gained nothing (0.996–1.004 of the fed step on a quiet machine) while the session took
   * ~6 s longer to build, and each distinct frozen backbone holds its own cached session and arena
   * (a notebook that fine-tunes from two checkpoints would hold two) where fed weights share one.
   */
  bakeFrozen?: boolean;
}

export class Trainer {
  private constructor(
    readonly spec: TrainingStep,
    readonly store: ParameterStore,
    readonly session: GraphSession,
    /** The frozen parameters baked into the session, by name, as the store held them at creation. */
    private readonly baked: ReadonlyMap<string, HostTensor>
  ) {}

  /** Compiles the step (cached session) and prepares zero optimizer state where absent. */
  static async create(spec: TrainingStep, store: ParameterStore, options: TrainerCreateOptions = {}): Promise<Trainer> {
    store.checkGraph(spec.graph);
    store.initializeOptimizerState(spec);
    const { bakeFrozen = false, ...sessionOptions } = options;
    const trained = new Set(spec.trained.map(t => t.param.name));
    const baked = new Map<string, HostTensor>();
    if (bakeFrozen) for (const { tensor: p } of spec.graph.params) if (!trained.has(p.name)) baked.set(p.name, store.get(p.name));
    const initializers = new Map<string, HostArray>([...baked].map(([name, t]) => [name, t.data]));
    // No memory pattern: with it, the second step's peak is twice the first (session.ts, memPattern).
    // The CPU arena on: without it every tensor is a fresh malloc (with the kernelspec's
    // MALLOC_MMAP_THRESHOLD_ a fresh mmap, page faults and munmap), which was half the official TPT
    // step's time (step-compare: 0.47x wall with the arena); with the scan backward per window
    // group and no memory pattern, its peak stays flat (official TPT 2.39 -> 2.45 GB over 6 steps),
    // but it is held between steps (kernel/runtime/README.md).
    // Baked values are part of the model bytes, and the session cache keys on their hash: a trainer
    // for other frozen values (another checkpoint) gets its own session, never one with stale values;
    // trainers of one backbone (the folds of a finetune) still share theirs. The price: a process
    // that trains from several distinct frozen backbones holds one cached session (and its arena)
    // per backbone until clearSessionCache(), where fed weights shared one.
    const session = await createSession(spec.graph, { memPattern: false, cpuArena: true, ...sessionOptions, ...(baked.size ? { initializers } : {}) });
    return new Trainer(spec, store, session, baked);
  }

  /** Names of the frozen parameters baked into the session (empty with `bakeFrozen: false`). */
  get bakedNames(): string[] {
    return [...this.baked.keys()];
  }

  /** The provider running the step. */
  get provider(): string {
    return this.session.provider;
  }

  /** One optimizer step with learning rate `lr` on a batch (`feeds`: the graph's data inputs). */
  async step(feeds: Readonly<Record<string, HostTensor>>, lr: number): Promise<StepResult> {
    const all: Record<string, HostTensor> = { ...feeds };
    const dtype = this.spec.graph.inputs.find(t => t.name === TRAINING_NAMES.lr)?.dtype ?? 'float32';
    const stepNumber = this.store.step + 1;
    all[TRAINING_NAMES.lr] = { data: hostFrom(dtype, [lr]), shape: [] };
    all[TRAINING_NAMES.step] = { data: hostFrom(dtype, [stepNumber]), shape: [] };
    for (const { tensor: p } of this.spec.graph.params) {
      const t = this.store.get(p.name);
      const baked = this.baked.get(p.name);
      if (!baked) all[p.name] = t;
      // The store keeps the frozen values (parameter counts, checkpoints of the whole store read
      // them); a new value there would be silently ignored by the session, so it is an error.
      else if (t !== baked) throw new UsageError(`frozen parameter "${p.name}" was replaced in the store after the trainer was created; its value is baked into the step's session`, { hint: 'create a new trainer for new frozen values, or pass bakeFrozen: false' });
    }
    for (const t of this.spec.trained) for (const s of t.state) all[s.input.name] = this.store.get(s.input.name);
    const out = await this.session.run(all);
    for (const t of this.spec.trained) {
      this.store.set(t.param.name, out[t.next]);
      for (const s of t.state) this.store.set(s.input.name, out[s.next]);
    }
    this.store.step = stepNumber;
    const loss = Number(out[TRAINING_NAMES.loss].data[0]);
    const gn = out[TRAINING_NAMES.gradNorm];
    const outputs: Record<string, HostTensor> = {};
    for (const name of this.spec.extraOutputs) outputs[name] = out[name];
    return { loss, gradNorm: gn ? Number(gn.data[0]) : null, outputs };
  }
}
