/**
 * Runs a TrainingStep: each `step()` is one onnxruntime session run (forward, loss, backward,
 * update); parameters and optimizer state come from, and go back to, a ParameterStore.
 */
import type { TrainingStep } from '../graph/training';
import { TRAINING_NAMES } from '../graph/training';
import { hostFrom } from '../graph/dtype';
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

export class Trainer {
  private constructor(
    readonly spec: TrainingStep,
    readonly store: ParameterStore,
    readonly session: GraphSession
  ) {}

  /** Compiles the step (cached session) and prepares zero optimizer state where absent. */
  static async create(spec: TrainingStep, store: ParameterStore, options: SessionOptions = {}): Promise<Trainer> {
    store.checkGraph(spec.graph);
    store.initializeOptimizerState(spec);
    // No memory pattern: with it, the second step's peak is twice the first (session.ts, memPattern).
    // The CPU arena on: without it every tensor is a fresh malloc (with the kernelspec's
    // MALLOC_MMAP_THRESHOLD_ a fresh mmap, page faults and munmap), which was half the official TPT
    // step's time (step-compare: 0.47x wall with the arena); with the scan backward per window
    // group and no memory pattern, its peak stays flat (official TPT 2.39 -> 2.45 GB over 6 steps),
    // but it is held between steps (kernel/runtime/README.md).
    const session = await createSession(spec.graph, { memPattern: false, cpuArena: true, ...options });
    return new Trainer(spec, store, session);
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
    for (const { tensor: p } of this.spec.graph.params) all[p.name] = this.store.get(p.name);
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
