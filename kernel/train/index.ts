/**
 * `ns.train`: single training steps (`trainer`), MAE pretraining (`pretrain`) and task adaptation
 * (`finetune`) of the model family, each long run writing a run folder (run-folder.ts; the contract
 * kernel/eval reads).
 */
export { trainer, ModelTrainer, buildTrainStep, trainableFor, TRAIN_SCAN_GROUP_ELEMENTS } from './trainer';
export type { TrainerOptions, TrainMode } from './trainer';
