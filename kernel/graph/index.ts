/**
 * `ns.graph`: the engine's graph layer. Build ONNX graphs with typed tensor handles and static
 * shapes, differentiate them (reverse mode, one rule table), add optimizer updates, and serialise
 * to ONNX ModelProto. See kernel/graph/README.md for the API walk-through.
 */
export { Graph } from './graph';
export type { ParamOptions, ParamInfo } from './graph';
export { Tensor } from './tensor';
export type { Node, TensorKind } from './tensor';
export type { DType, HostArray } from './dtype';
export { DTYPES, isFloat } from './dtype';
export { broadcastShapes, numel, formatShape } from './shapes';
export type { Shape } from './shapes';
export { REGISTRY, OPSET, getOp, opNames } from './ops/registry';
export type { OpName } from './ops/registry';
export type { OpDef, GradRule, GradContext, Attrs, AttrValue, TensorType } from './ops/types';
export { toModelBytes, toModelObject, liveNodes, IR_VERSION } from './serialize';
export type { SerializeOptions } from './serialize';
export { gradients, sumToShape } from './autodiff';
export type { GradientOptions } from './autodiff';
export { withCustomGradient, customGradientOf } from './custom-gradient';
export type { CustomBackward, CustomGradContext, CustomGradientRegion } from './custom-gradient';
export { sgd, adamw, clipGradNorm } from './optimizers';
export type { Optimizer, SgdOptions, AdamWOptions, StepScalars, ParamUpdate } from './optimizers';
export { buildTrainingStep, TRAINING_NAMES } from './training';
export type { TrainingStep, TrainingStepOptions, TrainedParam } from './training';
export { constantLr, warmupCosine, neurostormSchedule } from './schedules';
export type { Schedule } from './schedules';
export * from './api/math';
export * from './api/shape';
export * from './api/reduce';
export * from './api/linalg';
export * from './api/nn';
export * from './api/losses';
