/**
 * Optimizers as graph fragments (PyTorch semantics): the update is ONNX ops appended to the training
 * graph, with the learning rate and the 1-based step count as runtime scalar inputs, so schedules
 * live in TypeScript (schedules.ts) and one session run is one step.
 */
import { ConfigError } from '../errors';
import { add, div, minimum, mul, pow, sqrt, sub } from './api/math';
import { sum } from './api/reduce';
import type { Tensor } from './tensor';

/** Runtime scalars every update reads (shape [], the parameters' float dtype). */
export interface StepScalars {
  lr: Tensor;
  /** 1-based step count (after this step: PyTorch's `state['step']`). */
  step: Tensor;
}

export interface ParamUpdate {
  param: Tensor;
  state: Tensor[];
}

export interface Optimizer {
  readonly kind: 'sgd' | 'adamw';
  /** Names of the per-parameter state tensors (each shaped like its parameter, initialised to 0). */
  readonly stateNames: readonly string[];
  /** Hyperparameters as given (recorded in checkpoints and run manifests). */
  readonly hyper: Readonly<Record<string, number | boolean>>;
  /** Builds the update of one parameter from its gradient and state. */
  update(param: Tensor, grad: Tensor, state: readonly Tensor[], scalars: StepScalars): ParamUpdate;
}

export interface SgdOptions {
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** torch.optim.SGD (dampening 0): g += wd·p; buf = μ·buf + g; p -= lr·(nesterov ? g + μ·buf : buf). */
export function sgd(options: SgdOptions = {}): Optimizer {
  const momentum = options.momentum ?? 0;
  const weightDecay = options.weightDecay ?? 0;
  const nesterov = options.nesterov ?? false;
  if (momentum < 0 || weightDecay < 0) throw new ConfigError(`sgd: momentum ${momentum} and weightDecay ${weightDecay} must be >= 0`);
  if (nesterov && momentum === 0) throw new ConfigError('sgd: nesterov needs momentum > 0');
  return {
    kind: 'sgd',
    stateNames: momentum > 0 ? ['momentum'] : [],
    hyper: { momentum, weightDecay, nesterov },
    update(p, grad, state, { lr }) {
      const g = weightDecay ? add(grad, mul(p, weightDecay)) : grad;
      if (momentum === 0) return { param: sub(p, mul(g, lr)), state: [] };
      // With a zero initial buffer, μ·0 + g equals PyTorch's first-step clone(g).
      const buf = add(mul(state[0], momentum), g);
      const dir = nesterov ? add(g, mul(buf, momentum)) : buf;
      return { param: sub(p, mul(dir, lr)), state: [buf] };
    }
  };
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (torch default 0.01; spec §5 uses 0.01). */
  weightDecay?: number;
}

/**
 * torch.optim.AdamW (amsgrad off): p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * p ← p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps). The last line is evaluated as
 * p − (lr·s/(1−β1^t)) · m / (√v + eps·s) with s = √(1−β2^t) (equal up to rounding): two fewer
 * full-size elementwise passes per parameter, and the scalar factors are built once per graph.
 */
export function adamw(options: AdamWOptions = {}): Optimizer {
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  const weightDecay = options.weightDecay ?? 0.01;
  for (const [k, v] of Object.entries({ beta1, beta2 })) if (!(v >= 0 && v < 1)) throw new ConfigError(`adamw: ${k}=${v} must be in [0, 1)`);
  if (!(eps > 0) || weightDecay < 0) throw new ConfigError(`adamw: eps ${eps} must be > 0 and weightDecay ${weightDecay} >= 0`);
  const shared = new WeakMap<Tensor, { decay: Tensor; stepSize: Tensor; epsHat: Tensor }>();
  const scalarsFor = ({ lr, step }: StepScalars) => {
    let sc = shared.get(step);
    if (!sc) {
      const bc1 = sub(1, pow(step.graph.scalar(beta1, step.dtype), step));
      const s = sqrt(sub(1, pow(step.graph.scalar(beta2, step.dtype), step)));
      sc = { decay: sub(1, mul(lr, weightDecay)), stepSize: div(mul(lr, s), bc1), epsHat: mul(s, eps) };
      shared.set(step, sc);
    }
    return sc;
  };
  return {
    kind: 'adamw',
    stateNames: ['exp_avg', 'exp_avg_sq'],
    hyper: { beta1, beta2, eps, weightDecay },
    update(p, g, [m, v], scalars) {
      const { decay, stepSize, epsHat } = scalarsFor(scalars);
      const decayed = weightDecay ? mul(p, decay) : p;
      const m2 = add(mul(m, beta1), mul(g, 1 - beta1));
      const v2 = add(mul(v, beta2), mul(mul(g, g), 1 - beta2));
      return { param: sub(decayed, mul(div(m2, add(sqrt(v2), epsHat)), stepSize)), state: [m2, v2] };
    }
  };
}

/**
 * torch.nn.utils.clip_grad_norm_: total = ‖all grads‖₂; each grad ×= min(maxNorm/(total + 1e-6), 1).
 * Returns the clipped gradients and the total norm (before clipping).
 */
export function clipGradNorm(grads: readonly Tensor[], maxNorm: number): { grads: Tensor[]; totalNorm: Tensor } {
  if (!(maxNorm > 0)) throw new ConfigError(`clipGradNorm: maxNorm ${maxNorm} must be > 0`);
  if (grads.length === 0) throw new ConfigError('clipGradNorm: no gradients');
  let sq: Tensor | null = null;
  for (const g of grads) {
    const s = sum(mul(g, g));
    sq = sq ? add(sq, s) : s;
  }
  const totalNorm = sqrt(sq as Tensor);
  const coef = minimum(div(maxNorm, add(totalNorm, 1e-6)), 1);
  return { grads: grads.map(g => mul(g, coef)), totalNorm };
}

