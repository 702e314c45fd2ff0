/** `ns.runtime`: execution providers and (from the engine) sessions and the parameter store. */
export { listProviders, probeProvider, onnxruntimeVersion, PROVIDER_PREFERENCE } from './providers';
export type { ProviderStatus, ProviderName } from './providers';
