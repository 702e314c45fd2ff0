/** `ns.runtime`: execution providers and the device, sessions, host tensors, the parameter store and the trainer. */
export { listProviders, probe, probeProvider, onnxruntimeVersion, PROVIDER_PREFERENCE } from './providers';
export type { ProviderStatus, ProviderName, ProbeResult } from './providers';
export { device, onDevice, chooseProvider, resolveProvider, PROVIDER_ENV, DEVICE_NAMES } from './device';
export type { DeviceName, DeviceChoice, DeviceRecord, ProviderChoice, ChoiceSource } from './device';
export { createSession, runGraph, clearSessionCache, GraphSession } from './session';
export type { SessionOptions, TensorSpec } from './session';
export { nodePlacement, formatPlacement } from './placement';
export type { PlacementReport } from './placement';
export { visibleGpus, softwareAdapterReason } from './gpus';
export type { GpuInfo, AdapterInfo } from './gpus';
export { hostTensor, zerosHost, fromNumbers, scalarHost, hostDType, checkHost, cloneHost } from './host-tensor';
export type { HostTensor } from './host-tensor';
export { ParameterStore, torchDefaultInit } from './param-store';
export type { ParamInit } from './param-store';
export { Trainer } from './trainer';
export type { StepResult } from './trainer';
export { createRng } from '../random';
export type { Rng } from '../random';
