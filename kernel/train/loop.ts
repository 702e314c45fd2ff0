/**
 * The epoch loop shared by pretraining and fine-tuning: seeded shuffles per epoch, fixed-size
 * batches (the last incomplete one dropped, as the official loaders do), one engine step per batch,
 * validation after each epoch, `best/` and `last/` checkpoints, early stopping, progress events,
 * and exact resumption.
 *
 * Determinism: the order of epoch e is `Random(seed).fork('epoch-e')`, and the loop's only other
 * draws come from forks by step (the caller's `feed`), so (epoch, batch, step) plus the checkpointed
 * weights and optimizer moments reproduce an uninterrupted run bit for bit.
 */
import * as path from 'path';
import type { NeuroStormModel } from '../models/model';
import type { HostTensor } from '../runtime/host-tensor';
import { checkAborted, ProgressEvent } from '../progress';
import { Random } from '../random';
import { readBatch } from '../data/sampler';
import type { CacheHeader } from '../data/frame-cache';
import { LoopState, MetricsRow, writeCheckpoint } from './checkpoint';
import type { RunFolder } from './run-folder';
import { Sample, sampleClip } from './samples';
import type { ModelTrainer } from './trainer';
import type { Schedule } from '../graph/schedules';

/** A training progress event: the shared ProgressEvent plus what a training display shows. */
export interface TrainProgressEvent extends ProgressEvent {
  epoch: number;
  loss?: number;
  lr?: number;
  /** Validation metric name and value, on epoch ends. */
  metric?: { name: string; value: number };
  clipsPerSecond?: number;
  etaSeconds?: number;
}

export interface Validation {
  /** Name as written to metrics.jsonl (`valid_<name>`). */
  name: string;
  value: number;
  higherIsBetter: boolean;
  /** Other validation numbers for metrics.jsonl. */
  extra?: Record<string, number>;
}

export interface LoopSpec {
  run: RunFolder;
  /** Folder holding this loop's best/ and last/ checkpoints. */
  checkpoints: string;
  model: NeuroStormModel;
  trainer: ModelTrainer;
  train: readonly Sample[];
  batch: number;
  pool: number;
  /** Remove each voxel's clip mean (ResolvedConfig.centre). */
  centre: boolean;
  /** Input gain (ResolvedConfig.scale). */
  scale: number;
  seed: number;
  epochs: number;
  schedule: Schedule;
  patience: number | null;
  /**
   * The clip order of an epoch, replacing the seeded shuffle of `train` (pretrain's contrastive term:
   * subject pairs, ./pair-batches.ts); same length every epoch, drawn from seeded forks only.
   */
  order?: (epoch: number) => Sample[];
  /** The step's second input: targets (finetune) or the MAE mask (pretrain). */
  feed: (samples: readonly Sample[], step: number) => HostTensor;
  /** Other per-step inputs (pretrain: STRD noise), drawn from forks by step like `feed`. */
  extraFeeds?: (samples: readonly Sample[], step: number) => Record<string, HostTensor>;
  /** Transforms the training batch before the step (pretrain: augmentation); never applied at validation. */
  augment?: (x: HostTensor, samples: readonly Sample[], step: number) => HostTensor;
  validate: (model: NeuroStormModel) => Promise<Validation>;
  /** Extra fields stored with checkpoints (e.g. the regression scaler). */
  extra?: Record<string, unknown>;
  /** Events so far (restored on resume); appended to and rewritten to events.jsonl. */
  events: Record<string, unknown>[];
  label: string;
  /** Steps between `last/` checkpoints inside an epoch (besides each epoch end); default 0 = epoch ends only. */
  checkpointEvery?: number;
  signal?: AbortSignal;
  onProgress?: (event: TrainProgressEvent) => void;
}

/** Steps per epoch (incomplete batches dropped). */
export function stepsPerEpoch(samples: number, batch: number): number {
  return Math.floor(samples / batch);
}

/** The clip order of one epoch. */
export function epochOrder(samples: readonly Sample[], seed: number, epoch: number): Sample[] {
  return new Random(seed).fork(`epoch-${epoch}`).shuffle([...samples]);
}

/** Runs (or continues) the loop; returns the final state. Throws AbortedError after checkpointing. */
export async function runLoop(spec: LoopSpec, state: LoopState): Promise<LoopState> {
  const { run, model, trainer } = spec;
  const perEpoch = stepsPerEpoch(spec.order ? spec.order(0).length : spec.train.length, spec.batch);
  const total = perEpoch * spec.epochs;
  const headers = new Map<string, CacheHeader>();
  const last = path.join(spec.checkpoints, 'last');
  const best = path.join(spec.checkpoints, 'best');
  const startedAt = Date.now();
  const startStep = state.step;
  const emit = async (event: TrainProgressEvent) => {
    spec.events.push({ ...event, time: new Date().toISOString() });
    await run.writeJsonl('events.jsonl', spec.events);
    spec.onProgress?.(event);
  };
  const saveLast = () => writeCheckpoint(last, model, trainer, state, spec.extra);

  while (!state.finished && state.epoch < spec.epochs) {
    const order = spec.order ? spec.order(state.epoch) : epochOrder(spec.train, spec.seed, state.epoch);
    while (state.batch < perEpoch) {
      if (spec.signal?.aborted) {
        await saveLast();
        await emit({ label: spec.label, step: state.step, totalSteps: total, epoch: state.epoch, message: 'interrupted: checkpoint saved, resume to continue' });
        checkAborted(spec.signal, spec.label);
      }
      const clips = order.slice(state.batch * spec.batch, (state.batch + 1) * spec.batch);
      const batch = await readBatch(
        clips.map(sampleClip),
        spec.pool,
        headers,
        spec.centre,
        spec.scale
      );
      const lr = spec.schedule(state.step);
      let x: HostTensor = { data: batch.data, shape: batch.shape };
      if (spec.augment) x = spec.augment(x, clips, state.step);
      const result = await trainer.step(x, spec.feed(clips, state.step), lr, spec.extraFeeds?.(clips, state.step));
      state.step++;
      state.batch++;
      state.lossSum += result.loss;
      state.lossCount++;
      const seconds = (Date.now() - startedAt) / 1000;
      const rate = ((state.step - startStep) * spec.batch) / Math.max(seconds, 1e-3);
      await emit({
        label: spec.label,
        step: state.step,
        totalSteps: total,
        epoch: state.epoch,
        loss: result.loss,
        lr,
        clipsPerSecond: rate,
        etaSeconds: ((total - state.step) * spec.batch) / Math.max(rate, 1e-9),
        message: `epoch ${state.epoch + 1}/${spec.epochs} step ${state.step}/${total} loss ${result.loss.toFixed(4)}`
      });
      if (spec.checkpointEvery && state.batch < perEpoch && state.step % spec.checkpointEvery === 0) await saveLast();
    }
    trainer.commit();
    const v = await spec.validate(model);
    const row: MetricsRow = {
      step: state.step,
      epoch: state.epoch,
      train_loss: state.lossCount ? state.lossSum / state.lossCount : NaN,
      lr: spec.schedule(Math.max(state.step - 1, 0)),
      [`valid_${v.name}`]: v.value
    };
    for (const [k, x] of Object.entries(v.extra ?? {})) row[`valid_${k}`] = x;
    state.history.push(row);
    await run.writeJsonl('metrics.jsonl', state.history);
    const improved = state.best === null || (v.higherIsBetter ? v.value > state.best : v.value < state.best);
    if (improved) {
      state.best = v.value;
      state.bestEpoch = state.epoch;
      state.stale = 0;
    } else state.stale++;
    state.epoch++;
    state.batch = 0;
    state.lossSum = 0;
    state.lossCount = 0;
    if (spec.patience !== null && state.stale >= spec.patience) state.finished = true;
    if (state.epoch >= spec.epochs) state.finished = true;
    // best/ first: a kill between the two writes redoes this epoch from the previous last/, which
    // recomputes the same numbers and rewrites best/ identically.
    if (improved) await writeCheckpoint(best, model, trainer, state, spec.extra);
    await saveLast();
    await emit({
      label: spec.label,
      step: state.step,
      totalSteps: total,
      epoch: state.epoch - 1,
      loss: row.train_loss,
      lr: row.lr,
      metric: { name: v.name, value: v.value },
      message: `epoch ${state.epoch}/${spec.epochs}: train loss ${row.train_loss.toFixed(4)}, valid ${v.name} ${v.value.toFixed(4)}${improved ? ' (best)' : ''}`
    });
  }
  return state;
}

