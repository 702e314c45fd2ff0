/**
 * One training step as one graph: forward, loss, backward (autodiff) and the optimizer update, with
 * parameters and optimizer state as inputs and their updated values as outputs. The runtime's
 * Trainer feeds them from, and writes them back to, a ParameterStore.
 */
import { ConfigError, ShapeError } from '../errors';
import { gradients } from './autodiff';
import { isFloat } from './dtype';
import type { Graph } from './graph';
import { clipGradNorm, Optimizer } from './optimizers';
import { applyRecompute, cutsNeedingGradient, planRecompute, RecomputeOptions } from './recompute';
import type { Tensor } from './tensor';

/** Graph names used by training steps (inputs, outputs, store keys). */
export const TRAINING_NAMES = {
  loss: 'loss',
  lr: 'lr',
  step: 'step',
  gradNorm: 'grad_norm',
  /** Output name of a parameter's updated value. */
  next: (name: string) => `next/${name}`,
  /** Input name (and store key) of one optimizer state tensor of a parameter. */
  state: (param: string, key: string) => `optim/${param}/${key}`
} as const;

export interface TrainingStepOptions {
  /** The scalar to minimise. */
  loss: Tensor;
  optimizer: Optimizer;
  /** Parameters to train (tensors or names); default: every trainable parameter the loss depends on. */
  params?: readonly (Tensor | string)[];
  /** Global-norm gradient clipping (torch clip_grad_norm_); off when absent. */
  clipGradNorm?: number;
  /** Extra tensors to return each step (e.g. logits), by output name. */
  outputs?: Readonly<Record<string, Tensor>>;
  /**
   * Activation recomputation (recompute.ts): the backward recomputes forward segments from kept cut
   * tensors instead of keeping every activation. Off by default; `true` uses the default segment size.
   */
  recompute?: boolean | RecomputeOptions;
}

export interface TrainedParam {
  param: Tensor;
  /** Output name of the updated value. */
  next: string;
  /** Optimizer state: input tensor (its name is the store key) and the output name of its update. */
  state: { input: Tensor; next: string }[];
}

/** A graph that runs one step, plus the names the runtime needs. */
export interface TrainingStep {
  graph: Graph;
  optimizer: Optimizer;
  trained: TrainedParam[];
  /** Parameters fed but not updated (frozen, or not reached by the loss). */
  fixed: Tensor[];
  /** User outputs returned each step (besides loss and grad_norm). */
  extraOutputs: string[];
  clipGradNorm: number | null;
  /** Recomputed segments and the nodes the recomputation added (0 and 0 when off). */
  recompute: { segments: number; nodes: number };
}

function resolveParams(graph: Graph, params: readonly (Tensor | string)[] | undefined): Tensor[] {
  if (params) {
    return params.map(p => {
      const info = graph.paramInfo(typeof p === 'string' ? p : p.name);
      if (!info || (typeof p !== 'string' && info.tensor !== p)) throw new ConfigError(`training step: "${typeof p === 'string' ? p : p.name}" is not a parameter of graph "${graph.name}"`);
      return info.tensor;
    });
  }

  return graph.params.filter(p => p.trainable && isFloat(p.tensor.dtype)).map(p => p.tensor);
}

/**
 * Extends the loss's graph with gradients and optimizer updates. Adds inputs `lr` and `step`
 * (float scalars of the loss dtype) and one input per optimizer state tensor; adds outputs `loss`,
 * `next/<param>`, the state updates, `grad_norm` when clipping, and `options.outputs`.
 */
export function buildTrainingStep(options: TrainingStepOptions): TrainingStep {
  const { loss, optimizer } = options;
  const graph = loss.graph;
  if (loss.size !== 1) throw new ShapeError(`training step: loss ${loss} must have one element`);
  const candidates = resolveParams(graph, options.params);
  const recomputeOptions: RecomputeOptions = typeof options.recompute === 'object' ? options.recompute : {};
  const plan = options.recompute ? planRecompute(graph, loss, recomputeOptions) : null;
  // The gradients arriving at the cuts tie each recomputed segment to the backward (recompute.ts).
  const cuts = plan ? cutsNeedingGradient(graph, plan, candidates) : [];
  const all = gradients(loss, [...candidates, ...cuts], { unreachable: 'null' });
  const grads = all.slice(0, candidates.length);
  const cutGrads = new Map(cuts.map((t, i) => [t, all[candidates.length + i]]));
  const recompute = plan ? applyRecompute(graph, plan, t => cutGrads.get(t) ?? null, recomputeOptions) : { segments: 0, nodes: 0 };
  // Parameters the loss does not reach get no update (PyTorch skips params whose .grad is None).
  const reached = candidates.filter((_, i) => grads[i] !== null);
  let reachedGrads = grads.filter((g): g is Tensor => g !== null);
  if (reached.length === 0) throw new ConfigError(`training step: the loss does not depend on any trainable parameter of graph "${graph.name}"`);

  const lr = graph.input(TRAINING_NAMES.lr, [], loss.dtype);
  const step = graph.input(TRAINING_NAMES.step, [], loss.dtype);
  graph.output(TRAINING_NAMES.loss, loss);
  if (options.clipGradNorm !== undefined) {
    const clipped = clipGradNorm(reachedGrads, options.clipGradNorm);
    reachedGrads = clipped.grads;
    graph.output(TRAINING_NAMES.gradNorm, clipped.totalNorm);
  }
  const trained: TrainedParam[] = reached.map((param, i) => {
    const stateInputs = optimizer.stateNames.map(key => graph.input(TRAINING_NAMES.state(param.name, key), param.shape, param.dtype));
    const update = graph.scope(`optim/${param.name}`, () => optimizer.update(param, reachedGrads[i], stateInputs, { lr, step }));
    const next = TRAINING_NAMES.next(param.name);
    graph.output(next, update.param);
    const state = stateInputs.map((input, k) => {
      const name = TRAINING_NAMES.next(input.name);
      graph.output(name, update.state[k]);
      return { input, next: name };
    });
    return { param, next, state };
  });
  const extraOutputs = Object.entries(options.outputs ?? {}).map(([name, t]) => {
    graph.output(name, t);
    return name;
  });
  const trainedSet = new Set(reached);
  return {
    graph,
    optimizer,
    trained,
    fixed: graph.params.map(p => p.tensor).filter(t => !trainedSet.has(t)),
    extraOutputs,
    clipGradNorm: options.clipGradNorm ?? null,
    recompute
  };
}
