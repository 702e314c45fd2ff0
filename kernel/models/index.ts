/**
 * `ns.models`: the NeuroSTORM model family (and the SwiFT baseline) on the graph engine.
 * `load(path)` imports official weights (a folder of config.json + safetensors, or a .ckpt/.pth);
 * `create(config)` initialises a fresh model; `save` / `exportOnnx` write artefacts.
 */
import { NeuroStormModel } from './model';
import { loadWeights, LoadOptions } from './weights/load';
import type { SessionOptions } from '../runtime/session';
import type { NeuroStormConfig } from './config';
import { validateConfig } from './config';
import { initWeights } from './init';
import { exportOnnx, saveModel, ExportOptions } from './save';

export { NeuroStormModel } from './model';
export type { ModelTensor, ForwardOptions, PromptOption, MaeResult } from './model';
export { officialConfig, demoConfig, cpuConfig, validateConfig, deriveSizes, clampWindow } from './config';
export type { NeuroStormConfig, HeadConfig, MaeConfig, StageGeometry, DerivedSizes, Vec4 } from './config';
export { configToJson, configFromJson, configFromHyperParameters } from './config-json';
export type { OfficialConfigJson } from './config-json';
export { fixtureInput } from './fixture-input';
export { randomMaeMask, maeMaskUnits } from './mae-mask';
export { loadWeights } from './weights/load';
export { demoModelFolder, DEMO_MODEL } from './weights/named';
export type { LoadOptions } from './weights/load';
export type { WeightSet, HeadKind } from './weights/weight-set';
export type { ExportOptions } from './save';
export { selectiveScan, linearRecurrence, LOG_DECAY_FLOOR } from './selective-scan';

/** Loads official weights (folder or checkpoint) into a model object. */
export async function load(target: string, options: LoadOptions & { session?: SessionOptions } = {}): Promise<NeuroStormModel> {
  return new NeuroStormModel(await loadWeights(target, options), options.session);
}

/** A freshly initialised model (official initialisation, seeded) for any configuration. */
export function create(config: NeuroStormConfig, options: { seed?: number; mae?: boolean; session?: SessionOptions } = {}): NeuroStormModel {
  return new NeuroStormModel(initWeights(validateConfig(config), options.seed ?? 0, options.mae ?? true), options.session);
}

/** Writes a model folder (config.json + safetensors) that `load` reads back. */
export function save(model: NeuroStormModel, folder: string, name?: string): Promise<string[]> {
  return saveModel(model, folder, name);
}

/** Writes a standalone inference .onnx file (weights baked in). */
export function exportModel(model: NeuroStormModel, file: string, options: ExportOptions = {}): Promise<void> {
  return exportOnnx(model, file, options);
}
export { exportModel as export };
