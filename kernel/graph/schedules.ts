/**
 * Learning-rate schedules in TypeScript (the rate is a runtime input of the training step).
 * Each maps a 0-based step index to a rate.
 */
import { ConfigError } from '../errors';

export type Schedule = (step: number) => number;

/** A constant rate (the official NeuroSTORM runs: spec §5, use_scheduler off). */
export function constantLr(lr: number): Schedule {
  return () => lr;
}

/** Linear warmup from 0 to `lr` over `warmupSteps`, then cosine decay to `minLr` at `totalSteps`. */
export function warmupCosine(lr: number, warmupSteps: number, totalSteps: number, minLr = 0): Schedule {
  if (!(totalSteps > 0) || warmupSteps < 0 || warmupSteps > totalSteps) throw new ConfigError(`warmupCosine: need 0 <= warmup ${warmupSteps} <= total ${totalSteps}, total > 0`);
  return step => {
    if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
    const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/**
 * The official NeuroSTORM schedule (spec §5, `--use_scheduler`): S total steps, W = ⌊0.05S⌋ warmup,
 * cycles of T0 = ⌊0.3S⌋ steps restarting (warmup included), gamma 1, floor 1e-9:
 * s < W: 1e-9 + (lr − 1e-9)·s/W; else 1e-9 + (lr − 1e-9)·(1 + cos(π(s−W)/(T0−W)))/2, s = step mod T0.
 */
export function neurostormSchedule(lr: number, totalSteps: number): Schedule {
  const W = Math.floor(0.05 * totalSteps);
  const T0 = Math.floor(0.3 * totalSteps);
  if (T0 <= W) throw new ConfigError(`neurostormSchedule: ${totalSteps} total steps give a cycle of ${T0} <= warmup ${W}; need more steps`);
  const floor = 1e-9;
  return step => {
    const s = step % T0;
    if (s < W) return floor + ((lr - floor) * s) / W;
    return floor + ((lr - floor) * (1 + Math.cos((Math.PI * (s - W)) / (T0 - W)))) / 2;
  };
}
