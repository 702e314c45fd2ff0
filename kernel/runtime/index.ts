/** `ns.runtime`: execution providers, sessions, host tensors, the parameter store and the trainer. */
export { listProviders, probeProvider, onnxruntimeVersion, PROVIDER_PREFERENCE } from './providers';
export type { ProviderStatus, ProviderName } from './providers';
export { createSession, runGraph, clearSessionCache, resolveProvider, chooseProvider, GraphSession, PROVIDER_ENV } from './session';
export type { SessionOptions, TensorSpec, ProviderChoice } from './session';
export { visibleGpus, softwareAdapterReason } from './gpus';
export type { GpuInfo } from './gpus';
export { hostTensor, zerosHost, fromNumbers, scalarHost, hostDType, checkHost, cloneHost } from './host-tensor';
export type { HostTensor } from './host-tensor';
export { ParameterStore, torchDefaultInit } from './param-store';
export type { ParamInit } from './param-store';
export { Trainer } from './trainer';
export type { StepResult } from './trainer';
export { createRng } from '../random';
export type { Rng } from '../random';
