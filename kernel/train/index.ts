/**
 * `ns.train`: single training steps (`trainer`), MAE pretraining (`pretrain`) and task adaptation
 * (`finetune`) of the model family. Long runs write a run folder (README.md here: the contract
 * kernel/eval reads), resume exactly, stop at step boundaries on an abort signal, and report
 * progress events.
 *
 *   const pre = await ns.train.pretrain({ data: 'cohort', out: 'runs/mae', config: 'cpu' });
 *   const ft = await ns.train.finetune({ data: 'cohort', task: 'sex', mode: 'tpt', from: 'runs/mae', out: 'runs/sex' });
 */
export { trainer, ModelTrainer, buildTrainStep, trainableFor, TRAIN_SCAN_GROUP_ELEMENTS } from './trainer';
export type { TrainerOptions, TrainMode } from './trainer';
export { finetune } from './finetune';
export type { FinetuneOptions, FinetuneResult } from './finetune';
export { pretrain, maskedLoss } from './pretrain';
export type { PretrainOptions, PretrainResult } from './pretrain';
export { labelledClips, parseTask } from './samples';
export type { LabelledData, Sample, TaskName, TaskType } from './samples';
export { resolveConfig, recipe } from './presets';
export type { Recipe, ResolvedConfig } from './presets';
export { maskSampler, atlasPatchMap } from './mae-masks';
export type { MaskSpec, SpatialMask, TimeMask } from './mae-masks';
export type { TrainProgressEvent } from './loop';
export { RUN_FORMAT, PREDICTIONS_FORMAT } from './run-folder';
export type { RunRecord, PredictionClip, SplitRecord } from './run-folder';
